package org.visualrft.model.tensor;

/**
 * Where a tensor lives, named as libtorch names it ({@code cpu}, {@code cuda:0}). Chosen at the edges (CLI, YAML) and
 * passed down; never a global default. {@code cuda} alone means {@code cuda:0}.
 */
public record Device(String name) {
    public static final Device CPU = new Device("cpu");

    public Device {
        if (name == null || !(name.equals("cpu") || name.matches("cuda(:[0-9]{1,3})?"))) {
            throw new IllegalArgumentException("unknown device '" + name + "' (cpu or cuda[:N])");
        }
        if (name.equals("cuda")) {
            name = "cuda:0";
        }
    }

    public static Device parse(String name) {
        return new Device(name.trim().toLowerCase(java.util.Locale.ROOT));
    }

    public static Device cuda(int index) {
        return new Device("cuda:" + index);
    }

    public boolean isCpu() {
        return name.equals("cpu");
    }

    public boolean isCuda() {
        return name.startsWith("cuda");
    }

    /** The CUDA device index; 0 for the CPU. */
    public int index() {
        return isCuda() ? Integer.parseInt(name.substring(5)) : 0;
    }

    org.bytedeco.pytorch.Device raw() {
        return new org.bytedeco.pytorch.Device(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
