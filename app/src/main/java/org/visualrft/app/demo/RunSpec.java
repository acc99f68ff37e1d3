package org.visualrft.app.demo;

/** One fine-tuning run: a setting, a method ({@code sft} or {@code rft}), a draw and whether it thinks. */
public record RunSpec(Setting setting, String method, int draw, boolean cot) {
    /** A file-safe name, e.g. {@code cls-2shot-rft-d1} ({@code -nocot} appended without thinking). */
    public String name() {
        return setting.id() + "-" + method + "-d" + draw + (cot ? "" : "-nocot");
    }

    /** The run's own seed, from the demo seed and its identity (so runs do not depend on their order). */
    public long seed(long demoSeed) {
        return demoSeed * 1_000_003L + name().hashCode();
    }
}
