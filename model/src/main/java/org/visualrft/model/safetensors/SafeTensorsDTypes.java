package org.visualrft.model.safetensors;

import org.visualrft.model.tensor.DType;

/** The safetensors dtype names and the facade's dtypes (also used by train's optimiser-state archive). */
public final class SafeTensorsDTypes {
    private SafeTensorsDTypes() {
    }

    /** The facade dtype for a safetensors name, or null when the project cannot hold it. */
    public static DType parse(String name) {
        return switch (name) {
            case "F32" -> DType.F32;
            case "F64" -> DType.F64;
            case "BF16" -> DType.BF16;
            case "F16" -> DType.F16;
            case "I64" -> DType.I64;
            case "I32" -> DType.I32;
            case "U8" -> DType.U8;
            case "BOOL" -> DType.BOOL;
            default -> null;
        };
    }

    /** The safetensors name of a facade dtype. */
    public static String name(DType dtype) {
        return switch (dtype) {
            case F32 -> "F32";
            case F64 -> "F64";
            case BF16 -> "BF16";
            case F16 -> "F16";
            case I64 -> "I64";
            case I32 -> "I32";
            case U8 -> "U8";
            case BOOL -> "BOOL";
        };
    }
}
