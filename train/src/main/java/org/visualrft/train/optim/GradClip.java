package org.visualrft.train.optim;

import java.util.List;
import org.visualrft.model.tensor.DType;
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
     */
    public static double clip(List<Tensor> params, double maxNorm) {
        try (var g = Tensor.noGrad()) {
            Tensor sum = null;
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (grad != null) {
                    Tensor sq = grad.to(DType.F64).square().sum();
                    sum = sum == null ? sq : sum.add(sq);
                }
            }
            double norm = sum == null ? 0 : Math.sqrt(sum.item());
            if (maxNorm > 0 && Double.isFinite(norm)) {
                double coef = maxNorm / (norm + 1e-6);
                if (coef < 1.0) {
                    for (Tensor p : params) {
                        Tensor grad = p.grad();
                        if (grad != null) {
                            grad.mul_(coef);
                        }
                    }
                }
            }
            return norm;
        }
    }
}
