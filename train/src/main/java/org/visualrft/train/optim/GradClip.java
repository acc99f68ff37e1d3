package org.visualrft.train.optim;

import java.util.List;
import org.visualrft.model.tensor.Tensor;

/** Gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_} (total L2 norm over all parameters). */
public final class GradClip {
    private GradClip() {
    }

    /** The total L2 norm of the gradients (before clipping); scales them down to {@code maxNorm} when above it. */
    public static double clip(List<Tensor> params, double maxNorm) {
        double sq = 0;
        try (var g = Tensor.noGrad()) {
            for (Tensor p : params) {
                Tensor grad = p.grad();
                if (grad != null) {
                    sq += grad.to(org.visualrft.model.tensor.DType.F64).square().sum().item();
                }
            }
            double norm = Math.sqrt(sq);
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
