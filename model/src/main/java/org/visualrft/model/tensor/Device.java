package org.visualrft.model.tensor;

/**
 * Where a tensor lives, named as libtorch names it ({@code cpu}, {@code cuda:0}). Only the CPU build of libtorch
 * is on the classpath today; the name travels so that CUDA can follow without changing callers.
 */
public record Device(String name) {
    public static final Device CPU = new Device("cpu");

    public Device {
        if (name == null || !(name.equals("cpu") || name.matches("cuda(:[0-9]+)?"))) {
            throw new IllegalArgumentException("unknown device '" + name + "' (cpu or cuda[:N])");
        }
    }

    public static Device parse(String name) {
        return new Device(name.trim().toLowerCase(java.util.Locale.ROOT));
    }

    public boolean isCpu() {
        return name.equals("cpu");
    }

    org.bytedeco.pytorch.Device raw() {
        return new org.bytedeco.pytorch.Device(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
