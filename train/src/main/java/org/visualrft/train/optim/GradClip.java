package org.visualrft.train.optim;

import java.util.List;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** Gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_} (total L2 norm over all parameters). */
public final class GradClip {
    private GradClip() {
    }

    /**
     * The total L2 norm of the gradients (before clipping); scales them down to {@code maxNorm} when above it.
     *
     * <p>The squared norms are summed in float64 on the gradients' device, parameter after parameter, and read back
     * once: on a GPU, reading each parameter's sum would wait for the device hundreds of times per step. The running
     * sum adds the same float64 values in the same order as a host loop would, so the norm is the same to the bit.
     * A gradient over {@value #CHUNK} elements is squared in slices of that many, so the float64 copy never takes
     * more than 128 MiB (Qwen2-VL-7B's embedding gradient whole would be a 4.4 GB copy on the GPU).
     */
    static final long CHUNK = 1L << 24;

    /**
     * The sum of the squares of {@code grad}'s elements, in float64, on its device (in the enclosing scope); the
     * float64 copies are freed slice by slice, not at the end of the caller's scope.
     */
    static Tensor squaredNorm(Tensor grad) {
        long n = grad.numel();
        Tensor flat = n <= CHUNK ? grad : grad.reshape(n);
        Tensor sum = null;
        for (long off = 0; off < n || sum == null; off += CHUNK) {
            try (NativeScope slice = NativeScope.open()) {
                Tensor part = n <= CHUNK ? flat : flat.narrow(0, off, Math.min(CHUNK, n - off));
                Tensor sq = part.to(DType.F64).square().sum();
                sum = slice.keep(sum == null ? sq : sum.add(sq));
            }
        }
        return sum;
    }

    public static double clip(List<Tensor> params, double maxNorm) {
        try (var g = Tensor.noGrad()) {
            Tensor sum = null;
            for (Tensor p : params) {
                try (NativeScope one = NativeScope.open()) { // this parameter's temporaries go now
                    Tensor grad = p.grad();
                    if (grad != null) {
                        Tensor sq = squaredNorm(grad);
                        sum = one.keep(sum == null ? sq : sum.add(sq));
                    }
                }
            }
            double norm = sum == null ? 0 : Math.sqrt(sum.item());
            if (maxNorm > 0 && Double.isFinite(norm)) {
                double coef = maxNorm / (norm + 1e-6);
                if (coef < 1.0) {
                    for (Tensor p : params) {
                        try (NativeScope one = NativeScope.open()) {
                            Tensor grad = p.grad();
                            if (grad != null) {
                                grad.mul_(coef);
                            }
                        }
                    }
                }
            }
            return norm;
        }
    }
}
