package org.visualrft.train.grpo;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.config.ImportanceSampling;
import org.visualrft.train.config.LossAggregation;

/**
 * The GRPO objective on one batch of N completions × T tokens, in float64 (docs/original-code.md, "The GRPO step"; checked against fixtures/grpo):
 * <pre>
 *   r_t      = logp_t - old_t              old = logp_old with clipping, stopgrad(logp) without (the ratio is 1)
 *   (GSPO)   = Σ_t mask_t · r_t / max(1, Σ_t mask_t)   for every token of the completion (importance_sampling_level
 *                                                         sequence)
 *   ratio_t  = exp(r_t)
 *   policy_t = -ratio_t · A_i                                        (no clipping: value -A, gradient -A · d r_t)
 *            = -min(min(ratio_t, δ) · A_i, clip(ratio_t, 1-ε_low, 1+ε_high) · A_i)   (clipping; δ: none unless set)
 *   k3_t     = exp(ref - logp) - (ref - logp) - 1
 *   l_t      = keep_t · policy_t + β · k3_t        keep: top_entropy_quantile's high-entropy tokens (else all 1)
 * </pre>
 * aggregated over the mask as Visual-RFT's per-sequence token mean, DAPO's token mean, or Dr. GRPO's token sum over a
 * constant length; TRL's definitions (importance_sampling_level, delta).
 *
 * @param beta KL coefficient (0: the reference is not needed)
 * @param epsLow lower clip range, or null for no clipping
 * @param epsHigh upper clip range (ignored without clipping)
 * @param sumNorm the constant length of {@code seq_mean_token_sum_norm} (TRL: max_completion_length)
 * @param sampling a ratio per token (GRPO) or per completion (GSPO)
 * @param delta the cap on the unclipped ratio with clipping (two-sided clipping), or null
 */
public record GrpoLoss(double beta, LossAggregation aggregation, Double epsLow, double epsHigh, double sumNorm,
        ImportanceSampling sampling, Double delta) {

    /** Token-level ratios, no cap: GRPO as Visual-RFT and DAPO run it. */
    public GrpoLoss(double beta, LossAggregation aggregation, Double epsLow, double epsHigh, double sumNorm) {
        this(beta, aggregation, epsLow, epsHigh, sumNorm, ImportanceSampling.TOKEN, null);
    }

    /** The loss (a scalar with autograd to {@code logp}) and its diagnostics (plain numbers). */
    public record Result(Tensor loss, double meanKl, double clipRatio) {
        public double value() {
            return loss.item();
        }
    }

    /**
     * @param logp current policy log-probs of the sampled tokens [N, T], with autograd
     * @param logpOld log-probs at sampling time [N, T] (only read with clipping on; may be null otherwise)
     * @param logpRef reference log-probs [N, T] (only read when β > 0; may be null otherwise)
     * @param mask 1 for completion tokens up to and including the first EOS, else 0 [N, T]
     * @param advantages one per completion [N]
     */
    public Result compute(Tensor logp, Tensor logpOld, Tensor logpRef, Tensor mask, double[] advantages) {
        return compute(logp, logpOld, logpRef, mask, advantages, null);
    }

    /**
     * As {@link #compute(Tensor, Tensor, Tensor, Tensor, double[])}, the policy term kept only where
     * {@code policyTokens} [N, T] is 1 (TRL's {@code top_entropy_quantile}: the KL term and the aggregation's
     * denominators stay those of {@code mask}); null keeps it everywhere, with the very same operations as before.
     */
    public Result compute(Tensor logp, Tensor logpOld, Tensor logpRef, Tensor mask, double[] advantages,
            Tensor policyTokens) {
        long n = logp.size(0);
        if (advantages.length != n) {
            throw new IllegalArgumentException(n + " completions, " + advantages.length + " advantages");
        }
        Tensor lp = logp.to(DType.F64);
        Tensor m = mask.to(DType.F64);
        Tensor adv = Tensor.fromDoubles(advantages, n, 1).on(logp.device());

        Tensor policy;
        Tensor clipped = null;
        Tensor logRatio = lp.sub(epsLow == null ? lp.detach() : logpOld.to(logp.device(), DType.F64));
        if (sampling == ImportanceSampling.SEQUENCE) { // [N, 1]: one ratio per completion, its tokens' mean
            logRatio = logRatio.mul(m).sum(1, true).div(m.sum(1, true).clampMin(1.0));
        }
        Tensor ratio = logRatio.exp();
        if (epsLow == null) {
            policy = ratio.mul(adv).neg();
        } else {
            Tensor bounded = ratio.clamp(1.0 - epsLow, 1.0 + epsHigh);
            Tensor unclippedTerm = (delta == null ? ratio : ratio.clampMax(delta)).mul(adv);
            Tensor clippedTerm = bounded.mul(adv);
            policy = unclippedTerm.minimum(clippedTerm).neg();
            clipped = clippedTerm.lt(unclippedTerm); // the clipped side won: no gradient from this token (sequence)
        }

        if (policyTokens != null) {
            policy = policy.mul(policyTokens.to(logp.device(), DType.F64));
        }
        Tensor perToken = policy;
        Tensor k3 = null;
        if (beta != 0.0 || logpRef != null) {
            Tensor d = logpRef.to(logp.device(), DType.F64).sub(lp);
            k3 = d.exp().sub(d).sub(1.0);
            if (beta != 0.0) {
                perToken = policy.add(k3.mul(beta));
            }
        }

        Tensor masked = perToken.mul(m);
        Tensor loss = switch (aggregation) {
            case SEQ_MEAN_TOKEN_MEAN -> masked.sum(1, false).div(m.sum(1, false).clampMin(1.0)).mean();
            case TOKEN_MEAN -> masked.sum().div(m.sum().clampMin(1.0));
            case SEQ_MEAN_TOKEN_SUM_NORM -> masked.sum(1, false).div(sumNorm).mean();
        };

        double count = Math.max(1.0, m.sum().item());
        double meanKl = 0.0;
        double clipRatio = 0.0;
        try (var g = Tensor.noGrad()) {
            if (k3 != null) {
                meanKl = k3.detach().mul(m).sum().item() / count;
            }
            if (clipped != null) {
                clipRatio = clipped.to(DType.F64).mul(m).sum().item() / count;
            }
        }
        return new Result(loss, meanKl, clipRatio);
    }
}
