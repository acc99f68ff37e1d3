package org.visualrft.model.lora;

import java.util.List;
import java.util.Set;

/**
 * Which projections get a low-rank adapter and how large it is. {@code targets} are PEFT's {@code target_modules} as a
 * list: module names matched as PEFT matches them (the module's name itself, or a suffix of it after a dot:
 * {@code q_proj}, {@code mlp.fc1}, {@code model.layers.0.self_attn.q_proj}), or {@link #ALL_LINEAR_KEY} alone, every
 * linear layer but the output head. {@code targetRegex} is {@code target_modules} given as a string instead (then
 * {@code targets} is empty): a Python regular expression that must match a module's whole name ({@code re.fullmatch})
 * as {@code layout} names the modules. {@code exclude} is PEFT's {@code exclude_modules}, a list or an expression
 * matched the same way, which removes modules before the targets are matched. They are matched over the language
 * model's decoder layers, and with {@code visionTower} over the vision tower's linear layers too (its blocks and
 * mergers), as PEFT matches them over the whole model ({@link LoraTargets#select}). The adapter adds
 * {@code (alpha / rank) · B A x} to the frozen projection ({@code alpha / sqrt(rank)} with {@code rslora}, PEFT's
 * rank-stabilised scale), with B initialised to zero so a new adapter leaves the model unchanged.
 *
 * @param layout the module names a regular expression is matched against; null with lists alone (a list is
 *               tried under both layouts), {@link LoraTargets.Layout#NESTED} when a regular expression leaves it unset
 */
public record LoraConfig(int rank, double alpha, Set<String> targets, String targetRegex, ModuleNames exclude,
        LoraTargets.Layout layout, boolean rslora, boolean visionTower) {
    /** Attention and MLP projections of every decoder layer, as the issue asks. */
    public static final List<String> ALL_LINEAR = List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    /** PEFT's shorthand for every linear layer but the output head. */
    public static final String ALL_LINEAR_KEY = "all-linear";

    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        }
        exclude = exclude == null ? ModuleNames.NONE : exclude;
        targets = targets == null ? Set.of() : targets;
        if (targetRegex != null) {
            if (!targets.isEmpty()) {
                throw new IllegalArgumentException("LoRA targets are a list of module names or a regular expression,"
                        + " not both");
            }
            PythonRegex.compile(targetRegex);
        } else if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA targets must name at least one module");
        }
        if (layout == null && (targetRegex != null || exclude.regex() != null)) {
            layout = LoraTargets.Layout.NESTED;
        }
        for (String t : targets) {
            if (t.equals(ALL_LINEAR_KEY) ? targets.size() > 1 : !validName(t, visionTower)) {
                throw new IllegalArgumentException("unknown LoRA target \"" + t + "\"; known: " + ALL_LINEAR
                        + (visionTower ? ", the vision tower's linear layers" : "") + " or " + ALL_LINEAR_KEY + " alone");
            }
        }
        targets = Set.copyOf(targets);
    }

    /** Targets given as a list (or {@code all-linear}), nothing excluded. */
    public LoraConfig(int rank, double alpha, Set<String> targets, boolean rslora, boolean visionTower) {
        this(rank, alpha, targets, null, ModuleNames.NONE, null, rslora, visionTower);
    }

    /** PEFT's default scale, alpha / rank; adapters on the language model only. */
    public LoraConfig(int rank, double alpha, Set<String> targets) {
        this(rank, alpha, targets, false);
    }

    /** Adapters on the language model only. */
    public LoraConfig(int rank, double alpha, Set<String> targets, boolean rslora) {
        this(rank, alpha, targets, rslora, false);
    }

    public static LoraConfig allLinear(int rank, double alpha) {
        return new LoraConfig(rank, alpha, Set.copyOf(ALL_LINEAR));
    }

    /** The same adapters, matched over the vision tower too ({@code true}) or over the language model only. */
    public LoraConfig withVisionTower(boolean on) {
        return new LoraConfig(rank, alpha, targets, targetRegex, exclude, layout, rslora, on);
    }

    /** The targets as a setting shows them: the sorted list, or the expression in quotes; then what is excluded. */
    public String describeTargets() {
        return (targetRegex != null ? "'" + targetRegex + "'" : String.join(", ", new java.util.TreeSet<>(targets)))
                + (exclude.isEmpty() ? "" : " excluding " + exclude.describe());
    }

    /** What B A x is multiplied by: alpha / rank, or alpha / sqrt(rank) with rank-stabilised LoRA. */
    public double scale() {
        return rslora ? alpha / Math.sqrt(rank) : alpha / rank;
    }

    /**
     * A dotted module name whose last part names a linear layer: a decoder projection, or with the vision tower one of
     * its layers' names (the match against the model itself is {@link LoraTargets#select}'s).
     */
    private static boolean validName(String t, boolean visionTower) {
        if (t.isEmpty() || t.startsWith(".") || t.endsWith(".") || t.contains("..") || !t.matches("[A-Za-z0-9_.]+")) {
            return false;
        }
        String last = t.substring(t.lastIndexOf('.') + 1);
        return ALL_LINEAR.contains(last) || visionTower && LoraTargets.VISION_LINEARS.contains(last);
    }
}
