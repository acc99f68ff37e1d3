package org.visualrft.train.grpo;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.InLoopEval;
import org.visualrft.train.TrainingLoop;
import org.visualrft.train.checkpoint.Provenance;
import org.visualrft.train.config.AdvantageMode;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.LossAggregation;
import org.visualrft.train.data.Seeds;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.metrics.HackingDiagnostics;
import org.visualrft.train.metrics.MetricsLog;
import org.visualrft.train.optim.UpdateStep;

/**
 * GRPO training (docs/original-code.md, "The GRPO step"; docs/training.md). {@link #step} is the whole method on one screen; the loop
 * around it (resume, metrics, evaluation, checkpoints) is {@link TrainingLoop}'s.
 */
public final class GrpoTrainer extends TrainingLoop {
    private final GrpoConfig cfg;
    private Map<String, Object> provenance; // made on first use: it hashes model and data, and only rank 0 asks
    private final RolloutCollector collector;
    private final GrpoLoss loss;
    private final Set<String> labels = new HashSet<>();
    private final Rewarder rewarder;
    private final RolloutSeeding seeding;
    private Policy reference;
    private ReferenceScorer referenceScorer;
    /** {@code sync_ref_model}: the reference moving toward the policy (null: it stays the base). */
    private MovingReference moving;
    /** {@code log_completions}: the sampled completions, written by rank 0 (null: not asked, or another rank). */
    private MetricsLog completions;
    static final String COMPLETIONS = "completions.jsonl";
    /**
     * Whether a step encodes each prompt's image once and reuses it for sampling, the reference and every policy
     * forward ({@link VisionCache}; bit-identical results). {@code -Dvrft.train.visionCache=false} encodes it in each
     * of them, as before (for comparing).
     */
    private final boolean reuseImages = !"false".equals(System.getProperty("vrft.train.visionCache"));

    /** One process, sampling from one generator per step ({@link RolloutSeeding#STEP_STREAM}). */
    public GrpoTrainer(GrpoConfig cfg, List<TrainingExample> data, Rewarder rewarder, InLoopEval eval,
            PrintStream console, boolean terminal) {
        this(cfg, data, rewarder, eval, console, terminal, ProcessGroup.single(), RolloutSeeding.STEP_STREAM);
    }

    /**
     * Data parallel over {@code group}: every rank draws the same prompts; the i-th prompt of a step is sampled by
     * rank i mod world size; each global micro-batch holds per_device_train_batch_size × world size groups, weighted
     * over the whole micro-batch, so the summed gradients are one process's on the whole batch. Several ranks, and
     * {@code rollout_batch_groups} above 1, need {@link RolloutSeeding#PER_PROMPT}.
     */
    public GrpoTrainer(GrpoConfig cfg, List<TrainingExample> data, Rewarder rewarder, InLoopEval eval,
            PrintStream console, boolean terminal, ProcessGroup group, RolloutSeeding seeding) {
        super("grpo", cfg.args(), data.size(), eval, console, terminal, group);
        if (group.worldSize() > 1 && seeding != RolloutSeeding.PER_PROMPT) {
            throw new IllegalArgumentException("data-parallel GRPO needs per-prompt rollout seeds");
        }
        if (cfg.rolloutBatchGroups() > 1 && seeding != RolloutSeeding.PER_PROMPT) {
            // one shared stream would be drawn in another order by groups decoding side by side
            throw new IllegalArgumentException("rollout_batch_groups > 1 needs per-prompt rollout seeds");
        }
        this.seeding = seeding;
        this.rewarder = rewarder;
        this.cfg = cfg;
        this.collector = new RolloutCollector(cfg, List.copyOf(data), rewarder);
        this.loss = new GrpoLoss(cfg.beta(), cfg.lossType(), cfg.epsilon(),
                cfg.clipping() ? cfg.epsilonHighOrLow() : 0.0, cfg.maxCompletionLength(), cfg.importanceSampling(),
                cfg.delta());
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
        reference = cfg.beta() != 0.0 ? base.frozenCopy() : null; // the base model, moved only by sync_ref_model
        referenceScorer = reference != null ? new ReferenceScorer(reference) : null;
        moving = reference != null && cfg.referenceSync() != null
                ? new MovingReference(cfg.referenceSync(), base, reference) : null;
    }

    @Override
    protected void saveState(Path checkpointDir) throws IOException {
        if (moving != null) {
            moving.save(checkpointDir);
        }
    }

    @Override
    protected void restoreState(Path checkpoint) throws IOException {
        if (moving != null) {
            moving.restore(checkpoint);
        }
    }

    @Override
    protected void logsOpen(Path outputDir, int resumedStep) throws IOException {
        if (cfg.logCompletions()) {
            completions = MetricsLog.open(outputDir.resolve(COMPLETIONS), resumedStep);
        }
    }

    @Override
    protected void release() {
        if (completions != null) {
            try {
                completions.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                completions = null;
            }
        }
        if (referenceScorer != null) {
            referenceScorer.close();
            referenceScorer = null;
        }
        if (reference != null) {
            reference.close();
            reference = null;
        }
        moving = null;
    }

    @Override
    protected Map<String, Object> provenance() {
        if (provenance == null) {
            provenance = Provenance.describe("grpo", cfg.asYaml(), cfg.args().seed(), rewarder.describe(),
                    cfg.rewardMode());
        }
        return provenance;
    }

    @Override
    protected String progressTail(Map<String, Double> m) {
        return fmt("reward", m.get("reward")) + " " + fmt("kl", m.get("kl"));
    }

    @Override
    protected Map<String, Object> resolvedConfig() {
        return cfg.asYaml();
    }

    /** One optimiser step: sample → reward → advantage → loss → backward → update (μ updates per batch). */
    @Override
    protected Map<String, Double> step(StepContext ctx) {
        int micro = cfg.args().perDeviceTrainBatchSize() * ctx.group().worldSize();
        int accum = cfg.args().gradientAccumulationSteps();
        Policy policy = ctx.policy();
        Map<String, Double> m = new LinkedHashMap<>();
        VisionCache images = reuseImages ? new VisionCache() : null; // on the model's device, freed when the step ends
        try (NativeScope stepScope = NativeScope.open()) {
            long t0 = System.nanoTime();
            RandomGenerator stream = Seeds.forStep(cfg.args().seed(), ctx.step());
            RolloutCollector.Batch b = collector.collect(policy, micro * accum, ctx.order(), ctx.group(),
                    i -> seeding == RolloutSeeding.STEP_STREAM ? stream
                            : Seeds.forPrompt(cfg.args().seed(), ctx.step(), i), g -> {
                        if (referenceScorer != null) {
                            referenceScorer.submit(g, images); // scored on a second thread while sampling goes on
                        }
                    }, images);
            long statsStart = System.nanoTime();
            GroupStats stats = GroupStats.exchange(b.groups(), cfg.numGenerations(), rewarder.names(), labels,
                    cfg.maskTruncatedCompletions(), ctx.group());
            if (cfg.scaleRewards() == AdvantageMode.BATCH) {
                scaleByBatch(b.groups(), stats);
            }
            List<ScoredGroup> groups = b.groups(); // global order; null where another rank holds the group
            double exchangeS = b.exchangeSeconds() + (System.nanoTime() - statsStart) / 1e9;
            List<ScoredGroup> mine = groups.stream().filter(java.util.Objects::nonNull).toList();
            if (cfg.logCompletions()) {
                logCompletions(ctx.step() + 1, groups, ctx.group());
            }
            long t1 = System.nanoTime();
            // the reference scores on its own thread while sampling goes on: this is what remains to wait for
            List<Tensor> refLogp = referenceScorer != null ? referenceScorer.logProbs(mine, images) : List.of();
            double samplingS = (t1 - t0) / 1e9;
            double referenceS = (System.nanoTime() - t1) / 1e9;
            double lossSum = 0, norm = Double.NaN;
            int applied = 0;
            // this rank's sums over the μ updates that were applied, reduced once below: KL, clip ratio, then per
            // micro-batch the entropy sum and token count of its loss tokens
            double[] sums = new double[2 + 2 * accum];
            for (int k = 0; k < cfg.numIterations(); k++) {
                double[] before = sums.clone();
                UpdateStep.Result u = ctx.update(k,
                        () -> backward(policy, groups, refLogp, stats, micro, accum, sums, images, ctx.group()));
                if (u.applied()) {
                    lossSum += u.sums()[0];
                    norm = u.gradNorm();
                    applied++;
                } else { // a skipped update reports nothing (its loss was non-finite or cut short): the verdict is
                    // every rank's, so every rank drops the same update
                    System.arraycopy(before, 0, sums, 0, sums.length);
                }
                if (moving != null) { // after the reference scored this step's groups: it moves for the next
                    moving.afterUpdate((long) ctx.step() * cfg.numIterations() + k + 1, policy);
                }
            }
            double[] kc = ctx.group().allreduceSum(sums);
            fillMetrics(m, b, stats, lossSum, kc, norm, applied, ctx);
            m.put("time/sampling_s", samplingS);
            m.put("time/sampling_exchange_s", exchangeS); // part of sampling_s: the ranks' two small exchanges
            m.put("time/reference_s", referenceS);
            if (referenceScorer != null) {
                m.put("time/reference_cpu_s", referenceScorer.takeCpuSeconds());
            }
        } finally {
            if (images != null) {
                if (referenceScorer != null) {
                    referenceScorer.awaitPending(); // after a failure it may still be reading the images
                }
                images.close();
            }
        }
        return m;
    }

    /**
     * Forward and backward of this rank's groups for one update: each group's loss weighted by its share of its
     * global micro-batch and by 1/accumulation; adds this rank's KL and clip-ratio shares and its loss tokens'
     * entropies to {@code sums}. With top_entropy_quantile below 1 each global micro-batch first agrees on its
     * entropy threshold ({@link HighEntropyTokens}): a rank holding one group of it reads the entropies off that
     * group's own forward; one holding several scores them in a forward without autograd first, so that no more
     * than one group's graph is ever held. Every rank takes part in every micro-batch's exchange, even after a
     * non-finite loss (whose update no rank applies).
     */
    private UpdateStep.Contribution backward(Policy policy, List<ScoredGroup> groups, List<Tensor> refLogp,
            GroupStats stats, int micro, int accum, double[] sums, VisionCache images, ProcessGroup ranks) {
        boolean masking = cfg.entropyMasking();
        double stepLoss = 0;
        boolean finite = true;
        int local = 0; // index among this rank's groups
        for (int mb = 0; mb < accum; mb++) {
            int from = mb * micro;
            List<ScoredGroup> batch = groups.subList(from, from + micro);
            long held = batch.stream().filter(java.util.Objects::nonNull).count();
            float[][] scored = null; // entropies of a forward without autograd, when this rank holds several groups
            float threshold = Float.NaN;
            if (masking && (held != 1 || !finite)) {
                scored = new float[micro][];
                float[][] lossTokens = new float[micro][];
                if (finite) {
                    entropiesWithoutGrad(policy, batch, images, scored, lossTokens);
                }
                threshold = HighEntropyTokens.threshold(lossTokens, stats, from, cfg.topEntropyQuantile(), ranks);
            }
            double[] w = weights(stats, from, micro);
            for (int j = 0; j < micro && finite; j++) {
                ScoredGroup sg = batch.get(j);
                if (sg == null) {
                    continue;
                }
                Tensor ref = reference != null ? refLogp.get(local) : null;
                local++;
                try (NativeScope s = NativeScope.open()) {
                    GroupLogProbs lp = policy.logProbs(sg.example().prompt(), tokens(sg), images);
                    Tensor mask = lossMask(sg, lp);
                    float[] m = mask.toFloats();
                    float[] entropies = scored != null ? scored[j] : lp.entropies().toFloats();
                    Tensor keep = null;
                    if (masking) {
                        if (scored == null) { // this rank's only group of the micro-batch
                            float[][] mine = new float[micro][];
                            mine[j] = HighEntropyTokens.lossTokens(entropies, m);
                            threshold = HighEntropyTokens.threshold(mine, stats, from, cfg.topEntropyQuantile(),
                                    ranks);
                        }
                        keep = HighEntropyTokens.keep(entropies, m, threshold, mask.size(0), mask.size(1));
                    }
                    GrpoLoss.Result r = loss.compute(lp.logProbs(), cfg.clipping() ? old(sg, lp) : null,
                            ref, mask, sg.advantages(), keep);
                    double v = r.value();
                    finite = Double.isFinite(v);
                    if (finite) {
                        lp.backward(r.loss().mul(w[j] / accum)); // and any checkpointed layers
                        stepLoss += v * w[j] / accum;
                        sums[0] += r.meanKl() / groups.size();
                        sums[1] += r.clipRatio() / groups.size();
                        for (int i = 0; i < m.length; i++) {
                            sums[2 + 2 * mb] += m[i] > 0 ? entropies[i] : 0;
                            sums[3 + 2 * mb] += m[i];
                        }
                    }
                }
            }
        }
        return new UpdateStep.Contribution(finite, stepLoss);
    }

    /**
     * For each of {@code batch}'s groups held here (the others stay null), from a forward without autograd: its
     * entropy at every position into {@code entropies}, and those of its loss tokens into {@code lossTokens}.
     */
    private void entropiesWithoutGrad(Policy policy, List<ScoredGroup> batch, VisionCache images,
            float[][] entropies, float[][] lossTokens) {
        for (int j = 0; j < batch.size(); j++) {
            ScoredGroup sg = batch.get(j);
            if (sg == null) {
                continue;
            }
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                GroupLogProbs lp = policy.logProbs(sg.example().prompt(), tokens(sg), images);
                entropies[j] = lp.entropies().toFloats();
                lossTokens[j] = HighEntropyTokens.lossTokens(entropies[j], lossMask(sg, lp).toFloats());
            }
        }
    }

    /**
     * {@code sums}: KL and clip-ratio sums over the {@code applied} updates, then each micro-batch's entropy sum and
     * tokens. The update's metrics (loss, KL, clip ratio, entropy, grad norm) are means over the applied updates, NaN
     * when none was applied (the logging window then leaves them out: {@link TrainingLoop#UPDATE_METRICS}).
     */
    private void fillMetrics(Map<String, Double> m, RolloutCollector.Batch b, GroupStats stats, double lossSum,
            double[] sums, double norm, int applied, StepContext ctx) {
        double mu = applied > 0 ? applied : Double.NaN;
        double reward = 0, std = 0, len = 0, tokens = 0, truncated = 0;
        int n = 0;
        Map<String, Double> perFn = new LinkedHashMap<>();
        HackingDiagnostics diag = new HackingDiagnostics(labels);
        List<String> names = stats.functionNames();
        for (int g = 0; g < stats.groups(); g++) {
            std += stats.rewardStd(g) / stats.groups();
            for (int i = 0; i < stats.generations(); i++) {
                reward += stats.reward(g, i);
                len += stats.length(g, i);
                for (int k = 0; k < names.size(); k++) {
                    Double v = stats.function(g, i, k);
                    if (v != null) {
                        perFn.merge("rewards/" + names.get(k), v, Double::sum);
                    }
                }
                n++;
            }
            diag.addCounts(stats.diagnostics(g));
            tokens += stats.tokens(g);
            truncated += stats.truncated(g);
        }
        m.put("loss", lossSum / mu);
        m.put("reward", reward / n);
        m.put("reward_std", std);
        final int count = n;
        perFn.forEach((k, v) -> m.put(k, v / count));
        m.put("kl", sums[0] / mu);
        double entropy = 0;
        int batches = (sums.length - 2) / 2;
        for (int mb = 0; mb < batches; mb++) { // TRL: each micro-batch's token mean over every rank, averaged
            entropy += sums[2 + 2 * mb] / Math.max(1.0, sums[3 + 2 * mb]) / batches;
        }
        if (applied == 0) {
            entropy = Double.NaN;
        }
        m.put("entropy", entropy);
        m.put("completion_length", len / n);
        m.put("truncated_ratio", truncated / n);
        m.put("clip_ratio", sums[1] / mu);
        m.put("learning_rate", ctx.learningRate(0));
        m.put("grad_norm", norm);
        m.put("frac_reward_zero_std", (double) b.flatSampled() / b.promptsSampled());
        m.put("prompts_sampled", (double) b.promptsSampled());
        m.put("starved", b.starved() ? 1.0 : 0.0);
        m.put("tokens", tokens);
        m.putAll(diag.values());
    }

    /**
     * {@code completions.jsonl}: one line per completion sampled in step {@code step} — what it wrote, how it ended,
     * each reward function's value, the total and its advantage — in the step's global order of prompts. {@code groups}
     * holds this rank's groups (null where another rank holds one); every rank sends its records to rank 0, which
     * writes them all.
     */
    private void logCompletions(int step, List<ScoredGroup> groups, ProcessGroup group) {
        List<Map<String, Object>> records = CompletionRecords.gather(step, groups, group, GrpoTrainer::records);
        if (completions == null) {
            return; // another rank: rank 0 writes
        }
        try {
            for (Map<String, Object> rec : records) {
                completions.write(rec);
            }
            text(step, "completions", () -> completionsTable(records));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One group's completions.jsonl records. */
    static List<Map<String, Object>> records(int step, ScoredGroup g) {
        List<Map<String, Object>> out = new ArrayList<>(g.rollouts().size());
        for (int i = 0; i < g.rollouts().size(); i++) {
            Rollout r = g.rollouts().get(i);
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("step", step);
            rec.put("example", g.example().id());
            rec.put("task", g.example().task().name().toLowerCase(java.util.Locale.ROOT));
            rec.put("generation", i);
            rec.put("completion", r.text());
            rec.put("ended_with_eos", r.endedWithEos());
            rec.put("tokens", r.length());
            g.perFunction().get(i).forEach((fn, v) -> rec.put("rewards/" + fn, v));
            rec.put("reward", g.rewards()[i]);
            rec.put("advantage", g.advantages()[i]);
            rec.put("solution", g.example().solution());
            out.add(rec);
        }
        return out;
    }

    /** Rows shown in TensorBoard's text tab a step (TRL's num_completions_to_print); completions.jsonl holds all. */
    static final int TABLE_ROWS = 8;
    private static final int TABLE_CHARS = 400;

    /**
     * The step's first {@value #TABLE_ROWS} completions as a markdown table (example, task, reward, advantage,
     * completion), each completion on one line and cut at {@value #TABLE_CHARS} characters.
     */
    static String completionsTable(List<Map<String, Object>> records) {
        StringBuilder md = new StringBuilder("| example | task | reward | advantage | completion |\n"
                + "| --- | --- | ---: | ---: | --- |\n");
        for (Map<String, Object> rec : records.subList(0, Math.min(TABLE_ROWS, records.size()))) {
            String text = String.valueOf(rec.get("completion")).replaceAll("\\s+", " ");
            if (text.length() > TABLE_CHARS) {
                text = text.substring(0, TABLE_CHARS) + "…";
            }
            md.append("| ").append(cell(String.valueOf(rec.get("example")))).append(" | ").append(rec.get("task"))
                    .append(" | ").append(String.format(java.util.Locale.ROOT, "%.3f | %.3f",
                            ((Number) rec.get("reward")).doubleValue(), ((Number) rec.get("advantage")).doubleValue()))
                    .append(" | ").append(cell(text)).append(" |\n");
        }
        return md.toString();
    }

    /** A markdown table cell: a pipe would end it early. */
    private static String cell(String s) {
        return s.replace("|", "\\|");
    }

    /** Each group's share of its global micro-batch loss: token counts for token_mean, else equal. */
    private double[] weights(GroupStats stats, int from, int size) {
        double[] w = new double[size];
        double tokens = 0;
        for (int j = 0; j < size; j++) {
            tokens += stats.lossTokens(from + j);
        }
        for (int j = 0; j < size; j++) {
            w[j] = cfg.lossType() == LossAggregation.TOKEN_MEAN
                    ? stats.lossTokens(from + j) / Math.max(1.0, tokens) : 1.0 / size;
        }
        return w;
    }

    /**
     * scale_rewards: batch — this rank's groups' advantages, {@code r - mean} so far, divided in place by the std of
     * all the step's rewards (every rank's).
     */
    private static void scaleByBatch(List<ScoredGroup> groups, GroupStats stats) {
        double[] all = new double[stats.groups() * stats.generations()];
        for (int g = 0; g < stats.groups(); g++) {
            for (int i = 0; i < stats.generations(); i++) {
                all[g * stats.generations() + i] = stats.reward(g, i);
            }
        }
        double scale = GroupAdvantage.batchScale(all, GrpoConfig.STD_EPS);
        for (ScoredGroup sg : groups) {
            if (sg != null) {
                double[] a = sg.advantages();
                for (int i = 0; i < a.length; i++) {
                    a[i] /= scale;
                }
            }
        }
    }

    /** The tokens that count in the loss: the policy's mask, less truncated completions' when they are masked. */
    private Tensor lossMask(ScoredGroup g, GroupLogProbs lp) {
        if (!cfg.maskTruncatedCompletions()) {
            return lp.mask();
        }
        double[] keep = new double[g.rollouts().size()];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = g.rollouts().get(i).endedWithEos() ? 1 : 0;
        }
        return lp.mask().mul(Tensor.fromDoubles(keep, keep.length, 1).to(lp.mask().device(), lp.mask().dtype()));
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
}
