package org.visualrft.model.tensor;

import org.bytedeco.pytorch.global.torch;

/** Element types the project uses. {@code BOOL} is what comparisons return. */
public enum DType {
    F32(torch.ScalarType.Float, 4),
    F64(torch.ScalarType.Double, 8),
    BF16(torch.ScalarType.BFloat16, 2),
    F16(torch.ScalarType.Half, 2),
    I64(torch.ScalarType.Long, 8),
    I32(torch.ScalarType.Int, 4),
    U8(torch.ScalarType.Byte, 1),
    BOOL(torch.ScalarType.Bool, 1);

    final torch.ScalarType scalarType;
    private final int bytes;

    DType(torch.ScalarType scalarType, int bytes) {
        this.scalarType = scalarType;
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F32 || this == F64 || this == BF16 || this == F16;
    }

    static DType of(torch.ScalarType t) {
        for (DType d : values()) {
            if (d.scalarType.value == t.value) {
                return d;
            }
        }
        throw new IllegalArgumentException("unsupported dtype " + t);
    }
}
