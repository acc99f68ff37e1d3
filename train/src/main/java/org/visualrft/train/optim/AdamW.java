package org.visualrft.train.optim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.checkpoint.TensorArchive;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (decoupled weight decay, bias-corrected moments), on the facade so
 * that its state — the step count and both moments — can be saved and restored exactly. Moments live beside their
 * parameter (same device) and are closed with {@link #close()}.
 *
 * <p>Mixed precision as the field does it: a bf16 or f16 parameter gets a float32 <em>master</em> copy, and float32
 * moments; the update is applied to the master and the parameter is its rounded copy. Updates far below bf16's
 * resolution (lr 1e-6 on weights near 1, where bf16 steps by 2^-8) therefore accumulate instead of vanishing. Masters
 * are saved with the moments, so a resume is exact. float32 parameters are updated in place, as before.
 */
public final class AdamW implements AutoCloseable {
    private final List<Tensor> params;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final List<Tensor> m = new ArrayList<>();
    private final List<Tensor> v = new ArrayList<>();
    private final List<Tensor> master = new ArrayList<>(); // float32 copies of low-precision parameters, else null
    private long step;

    public AdamW(List<Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Tensor p : this.params) {
            boolean low = p.dtype() == DType.BF16 || p.dtype() == DType.F16;
            DType state = low ? DType.F32 : p.dtype();
            m.add(Tensor.zeros(state, p.device(), p.shape()).persist());
            v.add(Tensor.zeros(state, p.device(), p.shape()).persist());
            master.add(low ? masterOf(p) : null);
        }
    }

    private static Tensor masterOf(Tensor p) {
        try (var g = Tensor.noGrad()) {
            return p.detach().to(DType.F32).copy().persist();
        }
    }

    /** Updates every parameter that has a gradient, with learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1.0 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        try (var g = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor grad = p.grad();
                if (grad == null) {
                    continue;
                }
                Tensor w = master.get(i) != null ? master.get(i) : p;
                if (w != p) {
                    grad = grad.to(DType.F32);
                }
                if (weightDecay != 0.0) {
                    w.mul_(1.0 - lr * weightDecay);
                }
                m.get(i).mul_(beta1).add_(grad, 1.0 - beta1);
                v.get(i).mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
                Tensor denom = v.get(i).sqrt().div(bc2Sqrt).add(eps);
                w.addcdiv_(m.get(i), denom, -stepSize);
                if (w != p) {
                    p.copy_(w); // the parameter is the master rounded to its dtype
                }
            }
        }
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    public long stepCount() {
        return step;
    }

    public List<Tensor> params() {
        return params;
    }

    public void save(Path file) throws IOException {
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("step", Tensor.fromLongs(new long[] {step}, 1));
        for (int i = 0; i < params.size(); i++) {
            state.put("exp_avg." + i, m.get(i));
            state.put("exp_avg_sq." + i, v.get(i));
            if (master.get(i) != null) {
                state.put("master." + i, master.get(i));
            }
        }
        TensorArchive.write(file, state);
    }

    public void load(Path file) throws IOException {
        Map<String, Tensor> state = TensorArchive.read(file);
        long masters = master.stream().filter(java.util.Objects::nonNull).count();
        if (state.size() != 1 + 2 * params.size() + masters || !state.containsKey("step")) {
            throw new BadInputException(file, "optimiser state for " + (state.size() - 1) / 2
                    + " parameters, the model has " + params.size());
        }
        try (var g = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor sm = state.get("exp_avg." + i);
                Tensor sv = state.get("exp_avg_sq." + i);
                if (sm == null || sv == null || !java.util.Arrays.equals(sm.shape(), m.get(i).shape())) {
                    throw new BadInputException(file, "optimiser state of parameter " + i
                            + " does not match the model");
                }
                m.get(i).copy_(sm);
                v.get(i).copy_(sv);
                if (master.get(i) != null) {
                    Tensor sw = state.get("master." + i);
                    if (sw == null || !java.util.Arrays.equals(sw.shape(), master.get(i).shape())) {
                        throw new BadInputException(file, "float32 master weights of parameter " + i + " missing");
                    }
                    master.get(i).copy_(sw);
                }
            }
        }
        step = state.get("step").toLongs()[0];
    }

    @Override
    public void close() {
        for (Tensor t : m) {
            t.close();
        }
        for (Tensor t : v) {
            t.close();
        }
        for (Tensor t : master) {
            if (t != null) {
                t.close();
            }
        }
    }
}
