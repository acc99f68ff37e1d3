package org.visualrft.train.grpo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.InLoopEval;
import org.visualrft.train.TrainingLoop;
import org.visualrft.train.checkpoint.Provenance;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.LossAggregation;
import org.visualrft.train.data.Seeds;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.metrics.HackingDiagnostics;
import org.visualrft.train.optim.GradClip;

/**
 * GRPO training (docs/original-code.md, "The GRPO step"; docs/training.md). {@link #step} is the whole method on one screen; the loop
 * around it (resume, metrics, evaluation, checkpoints) is {@link TrainingLoop}'s.
 */
public final class GrpoTrainer extends TrainingLoop {
    private static final System.Logger LOG = System.getLogger(GrpoTrainer.class.getName());

    private final GrpoConfig cfg;
    private final Map<String, Object> provenance;
    private final RolloutCollector collector;
    private final GrpoLoss loss;
    private final Set<String> labels = new HashSet<>();
    private Policy reference;
    private ReferenceScorer referenceScorer;

    public GrpoTrainer(GrpoConfig cfg, List<TrainingExample> data, Rewarder rewarder, InLoopEval eval,
            PrintStream console, boolean terminal) {
        super("grpo", cfg.args(), data.size(), eval, console, terminal);
        this.cfg = cfg;
        this.collector = new RolloutCollector(cfg, List.copyOf(data), rewarder);
        this.loss = new GrpoLoss(cfg.beta(), cfg.lossType(), cfg.epsilon(),
                cfg.clipping() ? cfg.epsilonHighOrLow() : 0.0, cfg.maxCompletionLength());
        this.provenance = Provenance.describe("grpo", cfg.asYaml(), cfg.args().seed(), rewarder.describe(),
                cfg.rewardMode());
        for (TrainingExample ex : data) {
            if (ex.task() == Task.CLASSIFICATION) {
                labels.add(HackingDiagnostics.labelOf(ex.solution()));
            }
        }
    }

    @Override
    protected int updatesPerStep() {
        return cfg.numIterations();
    }

    @Override
    protected void prepare(Policy base) {
        reference = cfg.beta() != 0.0 ? base.frozenCopy() : null; // the frozen reference is always the base model
        referenceScorer = reference != null ? new ReferenceScorer(reference) : null;
    }

    @Override
    protected void release() {
        if (referenceScorer != null) {
            referenceScorer.close();
            referenceScorer = null;
        }
        if (reference != null) {
            reference.close();
            reference = null;
        }
    }

    @Override
    protected Map<String, Object> provenance() {
        return provenance;
    }

    @Override
    protected String progressTail(Map<String, Double> m) {
        return fmt("reward", m.get("reward")) + " " + fmt("kl", m.get("kl"));
    }

    /** One optimiser step: sample → reward → advantage → loss → backward → clip → AdamW (μ updates per batch). */
    @Override
    protected Map<String, Double> step(int step) {
        int batch = cfg.args().perDeviceTrainBatchSize();
        int accum = cfg.args().gradientAccumulationSteps();
        Map<String, Double> m = new LinkedHashMap<>();
        try (NativeScope stepScope = NativeScope.open()) {
            RolloutCollector.Batch b = collector.collect(policy, batch * accum, order,
                    Seeds.forStep(cfg.args().seed(), step), g -> {
                        if (referenceScorer != null) {
                            referenceScorer.submit(g); // scored on a second thread while sampling goes on
                        }
                    });
            List<ScoredGroup> groups = b.groups();
            List<Tensor> refLogp = referenceScorer != null ? referenceScorer.logProbs(groups) : List.of();
            double lossSum = 0, klSum = 0, clipSum = 0, norm = Double.NaN;
            for (int k = 0; k < cfg.numIterations(); k++) {
                optimizer.zeroGrad();
                double stepLoss = 0;
                boolean finite = true;
                for (int mb = 0; mb < accum && finite; mb++) {
                    List<ScoredGroup> micro = groups.subList(mb * batch, (mb + 1) * batch);
                    double[] w = weights(micro);
                    for (int j = 0; j < micro.size() && finite; j++) {
                        ScoredGroup sg = micro.get(j);
                        try (NativeScope s = NativeScope.open()) {
                            GroupLogProbs lp = policy.logProbs(sg.example().prompt(), tokens(sg));
                            GrpoLoss.Result r = loss.compute(lp.logProbs(), cfg.clipping() ? old(sg, lp) : null,
                                    reference != null ? refLogp.get(mb * batch + j) : null, lp.mask(),
                                    sg.advantages());
                            double v = r.value();
                            finite = Double.isFinite(v);
                            if (finite) {
                                r.loss().mul(w[j] / accum).backward();
                                stepLoss += v * w[j] / accum;
                                klSum += r.meanKl() / groups.size();
                                clipSum += r.clipRatio() / groups.size();
                            }
                        }
                    }
                }
                norm = finite ? GradClip.clip(params, cfg.args().maxGradNorm()) : Double.NaN;
                if (!finite || !Double.isFinite(norm)) {
                    optimizer.zeroGrad(); // a non-finite loss or gradient: skip the update, count it, go on
                    nanSkipped++;
                    LOG.log(System.Logger.Level.WARNING, "step {0}: non-finite loss or gradient, update skipped",
                            step + 1);
                    continue;
                }
                optimizer.step(schedule.at(step * cfg.numIterations() + k));
                lossSum += stepLoss;
            }
            fillMetrics(m, b, lossSum, klSum, clipSum, norm, step);
        }
        return m;
    }

    private void fillMetrics(Map<String, Double> m, RolloutCollector.Batch b, double lossSum, double klSum,
            double clipSum, double norm, int step) {
        int mu = cfg.numIterations();
        List<ScoredGroup> groups = b.groups();
        double reward = 0, std = 0, len = 0, tokens = 0;
        int n = 0;
        Map<String, Double> perFn = new LinkedHashMap<>();
        HackingDiagnostics diag = new HackingDiagnostics(labels);
        for (ScoredGroup g : groups) {
            std += GroupAdvantage.std(g.rewards(), mean(g.rewards())) / groups.size();
            for (int i = 0; i < g.rollouts().size(); i++) {
                Rollout r = g.rollouts().get(i);
                reward += g.rewards()[i];
                len += r.length();
                g.perFunction().get(i).forEach((k, v) -> perFn.merge("rewards/" + k, v, Double::sum));
                diag.add(g.example().task(), r.text(), g.example().solution());
                n++;
            }
            tokens += g.completionTokens();
        }
        m.put("loss", lossSum / mu);
        m.put("reward", reward / n);
        m.put("reward_std", std);
        final int count = n;
        perFn.forEach((k, v) -> m.put(k, v / count));
        m.put("kl", klSum / mu);
        m.put("completion_length", len / n);
        m.put("clip_ratio", clipSum / mu);
        m.put("learning_rate", schedule.at(step * mu));
        m.put("grad_norm", norm);
        m.put("frac_reward_zero_std", (double) b.flatSampled() / b.promptsSampled());
        m.put("prompts_sampled", (double) b.promptsSampled());
        m.put("starved", b.starved() ? 1.0 : 0.0);
        m.put("tokens", tokens);
        m.putAll(diag.values());
    }

    /** Each group's share of its micro-batch loss: token counts for token_mean, else equal. */
    private double[] weights(List<ScoredGroup> micro) {
        double[] w = new double[micro.size()];
        double tokens = 0;
        for (ScoredGroup g : micro) {
            tokens += g.completionTokens();
        }
        for (int j = 0; j < w.length; j++) {
            w[j] = cfg.lossType() == LossAggregation.TOKEN_MEAN
                    ? micro.get(j).completionTokens() / Math.max(1.0, tokens) : 1.0 / w.length;
        }
        return w;
    }

    private static List<int[]> tokens(ScoredGroup g) {
        List<int[]> t = new ArrayList<>(g.rollouts().size());
        for (Rollout r : g.rollouts()) {
            t.add(r.tokens());
        }
        return t;
    }

    /** Sampling-time log-probs [G, T] (zero-padded like the mask). */
    private static Tensor old(ScoredGroup g, GroupLogProbs lp) {
        int rows = (int) lp.mask().size(0);
        int cols = (int) lp.mask().size(1);
        double[] v = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            float[] l = g.rollouts().get(i).logProbs();
            for (int t = 0; t < l.length; t++) {
                v[i * cols + t] = l[t];
            }
        }
        return Tensor.fromDoubles(v, rows, cols);
    }

    private static double mean(double[] r) {
        double s = 0;
        for (double v : r) {
            s += v;
        }
        return s / r.length;
    }
}
