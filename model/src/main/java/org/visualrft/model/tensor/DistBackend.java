package org.visualrft.model.tensor;

import java.util.Locale;
import org.visualrft.core.BadInputException;

/** The c10d backend of a process group: Gloo for CPU tensors, NCCL for CUDA tensors (one GPU per rank). */
public enum DistBackend {
    GLOO, NCCL;

    /** The backend that moves tensors living on {@code device}: NCCL for CUDA, Gloo otherwise. */
    public static DistBackend forDevice(Device device) {
        return device.isCpu() ? GLOO : NCCL;
    }

    /** {@code gloo}, {@code nccl}, or {@code auto} (then {@link #forDevice}). */
    public static DistBackend parse(String name, Device device) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "auto" -> forDevice(device);
            case "gloo" -> GLOO;
            case "nccl" -> NCCL;
            default -> throw new BadInputException("--dist-backend", "unknown distributed backend '" + name
                    + "' (auto, gloo or nccl)");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
