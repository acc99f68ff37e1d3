package org.visualrft.model.tensor;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Minimal tensor wrapper of the facade. Grows with the model runtime; callers outside the facade use this type, never
 * {@code org.bytedeco.pytorch.Tensor}.
 */
public final class Tensors {
    private final Tensor t;

    private Tensors(Tensor t) {
        this.t = t;
    }

    static Tensors wrap(Tensor t) {
        return new Tensors(t);
    }

    /** The raw Bytedeco tensor; package-private on purpose. */
    Tensor raw() {
        return t;
    }

    /** A float64 tensor of the given shape holding a copy of {@code values}. */
    public static Tensors fromDoubles(double[] values, long... shape) {
        Engine.load();
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape holds " + n + " values, got " + values.length);
        }
        try (DoublePointer p = new DoublePointer(values)) {
            // from_blob borrows the buffer; clone gives the tensor its own storage before the buffer is freed
            Tensor out = torch.from_blob(p, shape, new org.bytedeco.pytorch.TensorOptions(torch.ScalarType.Double)).clone();
            return new Tensors(out);
        }
    }

    /** The values as a flat double array (converted from any dtype, copied to the CPU). */
    public double[] toDoubles() {
        Tensor c = t.toType(torch.ScalarType.Double).contiguous();
        double[] out = new double[(int) c.numel()];
        new DoublePointer(c.data_ptr()).get(out);
        return out;
    }
}
