package org.visualrft.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.checkpoint.AdapterCheckpoint;
import org.visualrft.train.checkpoint.BestCheckpoint;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.checkpoint.Provenance;
import org.visualrft.train.checkpoint.TrainerState;
import org.visualrft.train.config.TrainingArguments;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.metrics.MetricWindow;
import org.visualrft.train.metrics.ProgressBar;
import org.visualrft.train.metrics.RunLog;
import org.visualrft.train.optim.AdamW;
import org.visualrft.train.optim.OptimizerShards;
import org.visualrft.train.optim.LrSchedule;
import org.visualrft.train.optim.UpdateStep;

/**
 * What GRPO and SFT share around their step: resuming from the latest checkpoint, the optimiser and schedule, the
 * parameter update ({@link UpdateStep}: reduce over ranks, clip, agree on a non-finite step, AdamW), the metrics log,
 * the progress bar, in-loop evaluation and checkpoints. A subclass supplies {@link #step(StepContext)}: it draws its
 * share of the batch, computes losses and calls backward inside {@link StepContext#update}.
 *
 * <p>Data parallel: every rank runs this loop with the same config; rank 0 alone writes metrics and checkpoints, every
 * rank resumes from them, and parameters are broadcast from rank 0 at the start.
 */
public abstract class TrainingLoop {
    private static final System.Logger LOG = System.getLogger(TrainingLoop.class.getName());
    /**
     * The metrics an update computes, which a trainer reports as NaN for a step whose updates were all skipped (a
     * non-finite loss or gradient): the log's means leave such steps out (Hugging Face's logging_nan_inf_filter).
     */
    public static final java.util.Set<String> UPDATE_METRICS = java.util.Set.of("loss", "grad_norm", "kl",
            "clip_ratio", "entropy");

    protected final TrainingArguments args;
    protected final int dataSize;
    private final String kind;
    private final InLoopEval eval;
    private final PrintStream console;
    private final boolean terminal;
    private final ProcessGroup group;
    private int nanSkipped;
    private int skippedBadRows;
    private RunLog runLog; // rank 0's logs while a run is on (null otherwise)

    /** One parameter update of the current step: {@code k} is the update's index within the step (GRPO's μ). */
    @FunctionalInterface
    public interface Updater {
        UpdateStep.Result update(int k, UpdateStep.Backward backward);
    }

    /**
     * What a trainer's step sees.
     *
     * @param step the optimiser step, 0-based
     * @param order the data order, shared by every rank (each takes its share of what is drawn)
     */
    public record StepContext(int step, Policy policy, DataOrder order, ProcessGroup group, LrSchedule schedule,
            int updatesPerStep, Updater updater) {

        /** Zero grads, run {@code backward}, reduce, clip, agree, AdamW at this update's learning rate. */
        public UpdateStep.Result update(int k, UpdateStep.Backward backward) {
            return updater.update(k, backward);
        }

        /** The learning rate of update {@code k} of this step. */
        public double learningRate(int k) {
            return schedule.at(step * updatesPerStep + k);
        }
    }

    /** What a run ended with; {@code best}: the best checkpoint by {@code metric_for_best_model}, or null. */
    public record Outcome(int step, int totalSteps, int nanSkipped, Path lastCheckpoint, Map<String, Object> lastLog,
            BestCheckpoint best) {
    }

    protected TrainingLoop(String kind, TrainingArguments args, int dataSize, InLoopEval eval, PrintStream console,
            boolean terminal, ProcessGroup group) {
        this.kind = kind;
        this.group = group;
        this.args = args;
        this.dataSize = dataSize;
        this.eval = eval;
        this.console = console;
        this.terminal = terminal;
    }

    /** Dataset rows skipped at load ({@code skip_bad_rows}); every metrics record carries the count. */
    public TrainingLoop skippedBadRows(int count) {
        this.skippedBadRows = count;
        return this;
    }

    /** One optimiser step; returns its metrics (TRL names), the same on every rank. */
    protected abstract Map<String, Double> step(StepContext ctx);

    /** Optimiser updates per step (GRPO's μ; 1 for SFT). */
    protected int updatesPerStep() {
        return 1;
    }

    /** Called once the policy is in place (build the reference model here). */
    protected void prepare(Policy base) {
    }

    /** Called at the end, whatever happened (close the reference model here). */
    protected void release() {
    }

    /**
     * Called on rank 0 when the steps are about to begin, after {@code resumedStep} (0: a fresh run) is known: open a
     * log of the trainer's own here ({@code output_dir} is {@code outputDir}); {@link #release} runs after it.
     */
    /**
     * Writes what a checkpoint holds beyond the model and the optimiser (rank 0, into the checkpoint's folder while it
     * is written; a model-only checkpoint has none). Nothing by default.
     */
    protected void saveState(Path checkpointDir) throws IOException {
    }

    /** Restores what {@link #saveState} wrote, from the checkpoint a run resumes (every rank). Nothing by default. */
    protected void restoreState(Path checkpoint) throws IOException {
    }

    protected void logsOpen(Path outputDir, int resumedStep) throws IOException {
    }

    /**
     * A markdown text at {@code step} for TensorBoard's text plugin ({@code report_to: tensorboard}); nothing on other
     * ranks or when the run does not report to TensorBoard (then {@code markdown} is not made).
     */
    protected void text(int step, String tag, java.util.function.Supplier<String> markdown) throws IOException {
        if (runLog != null) {
            runLog.text(step, tag, markdown);
        }
    }

    protected abstract Map<String, Object> provenance();

    /** The resolved config: every rank must hold the same (compared by hash at the start of a run). */
    protected abstract Map<String, Object> resolvedConfig();

    /** The console tail after the bar, e.g. {@code reward 1.234}. */
    protected abstract String progressTail(Map<String, Double> m);

    /**
     * Trains {@code base} (updated in place, unless a checkpoint of full fine-tuning is resumed: then the checkpoint's
     * model is loaded, trained and closed at the end; a LoRA checkpoint's adapters are restored into {@code base}).
     * {@code stopAfterStep} ends the run early as a kill would (tests); -1 runs on.
     */
    public Outcome run(Policy base, boolean resume, int stopAfterStep) throws IOException {
        boolean main = group.isMain();
        Path out = Path.of(args.outputDir());
        CheckpointStore store = new CheckpointStore(out, args.saveTotalLimit());
        int totalSteps = args.totalSteps(dataSize, group.worldSize());
        try {
            base.gradientCheckpointing(args.gradientCheckpointing());
        } catch (IllegalArgumentException e) { // a family without it: before anything is written
            throw new org.visualrft.core.BadInputException(args.model(), e.getMessage());
        }
        String bestMetric = args.metricForBestModel();
        if (bestMetric != null && (eval == null || (eval.metricNames() != null
                && !eval.metricNames().contains(bestMetric)))) {
            throw new IllegalArgumentException("metric_for_best_model: the evaluation reports no '" + bestMetric + "'"
                    + (eval == null ? " (there is none)" : "; it reports " + eval.metricNames()));
        }
        ConfigAgreement.check(group, kind, resolvedConfig(), dataSize);
        Optional<Path> ckpt = store.latest();
        if (!resume && ckpt.isPresent()) {
            throw new org.visualrft.core.BadInputException(out.toString(), "output_dir already holds checkpoints ("
                    + ckpt.get().getFileName() + "); pass --resume to continue that run, or choose another output_dir");
        }
        if (resume && ckpt.isEmpty() && main) {
            console.println(kind + ": no checkpoint in " + out + " yet; starting from step 0");
        }
        int start = 0;
        BestCheckpoint best = null;
        broadcastWeights(base); // every replica (and its frozen reference) starts from rank 0's weights
        prepare(base);
        Policy policy = base;
        LoraConfig lora = args.loadOptions(base.device()).lora();
        boolean freshAdapters = false; // an older LoRA checkpoint without its adapters: resumed from merged weights
        DataOrder order;
        if (ckpt.isPresent()) {
            TrainerState st = CheckpointStore.readState(ckpt.get());
            if (st.modelOnly()) {
                throw new org.visualrft.core.BadInputException(ckpt.get().toString(), "holds the model only"
                        + " (save_only_model: true), no optimiser state: a run cannot continue from it exactly");
            }
            if (st.seed() != args.seed()) {
                throw new org.visualrft.core.BadInputException(ckpt.get().resolve("trainer_state.json"),
                        "was written with seed " + st.seed() + ", the config says " + args.seed());
            }
            if (lora != null && AdapterCheckpoint.present(ckpt.get())) {
                // the base as it was loaded (model:, its files' hashes checked against the checkpoint's by Runs) with
                // the checkpoint's exact adapters: merged weights cannot be split back into base and adapters exactly
                AdapterCheckpoint.restore(ckpt.get(), base);
            } else {
                // opened as the base was (torch_dtype, LoRA); a LoRA checkpoint written before adapters were kept
                // apart holds only merged weights: fresh adapters (B = 0) go on top, so the model resumes unchanged
                policy = ModelLoader.load(CheckpointStore.modelDir(ckpt.get()), args.loadOptions(base.device()));
                freshAdapters = lora != null;
                if (freshAdapters && main) {
                    console.println(kind + ": " + ckpt.get().getFileName() + " holds no adapter_model.safetensors"
                            + " (written before LoRA adapters were kept apart, or by full fine-tuning): resuming from"
                            + " its merged weights with fresh adapters and fresh optimiser state; the run is not"
                            + " bit-identical to an uninterrupted one");
                }
            }
            start = st.step();
            nanSkipped = st.nanSkipped();
            best = st.best() != null && st.best().metric().equals(bestMetric) ? st.best() : null;
            order = new DataOrder(dataSize, args.seed(), st.epoch(), st.position());
            if (main) {
                console.println(kind + ": resuming from " + ckpt.get() + " (step " + start + " of " + totalSteps + ")");
            }
        } else {
            order = new DataOrder(dataSize, args.seed());
        }
        List<Tensor> params = new ArrayList<>();
        for (Parameter p : policy.trainableParameters()) {
            params.add(p.value());
        }
        if (main) { // PEFT's print_trainable_parameters, for every run: what the settings chose to train
            long trained = params.stream().mapToLong(Tensor::numel).sum();
            long all = policy.parameters().stream().mapToLong(p -> p.value().numel()).sum();
            console.println(String.format(Locale.ROOT, "%s: training %,d of %,d parameters (%.2f%%)", kind, trained,
                    all, 100.0 * trained / Math.max(1, all)));
        }
        if (policy != base) {
            broadcastWeights(policy);
        } else if (ckpt.isPresent() && group.worldSize() > 1) {
            group.broadcast(params, 0); // the restored adapters: every rank holds rank 0's
        }
        OptimizerShards shards = args.zeroStage() == 1 ? OptimizerShards.plan(params, group.worldSize())
                : OptimizerShards.unsharded(params.size());
        AdamW optimizer = new AdamW(params, args.adamBeta1(), args.adamBeta2(), args.adamEpsilon(),
                args.weightDecay(), shards, group.rank());
        if (main && shards.sharded()) {
            console.println(kind + ": ZeRO stage 1: optimiser state " + gib(optimizer.stateBytes())
                    + " GiB on rank 0, " + gib(optimizer.unshardedStateBytes()) + " GiB unsharded, over "
                    + shards.worldSize() + " ranks");
        }
        Path last = ckpt.orElse(null);
        Map<String, Object> lastLog = Map.of();
        int done = start;
        try {
            if (ckpt.isPresent() && !freshAdapters) { // saved moments belong to the saved adapters, not fresh ones
                optimizer.load(CheckpointStore.optimizerFile(ckpt.get()));
            }
            if (ckpt.isPresent()) {
                restoreState(ckpt.get());
            }
            int mu = updatesPerStep();
            LrSchedule schedule = new LrSchedule(args.lrSchedulerType(), args.learningRate(),
                    args.warmup(totalSteps) * mu, totalSteps * mu, args.minLrRate());
            UpdateStep update = new UpdateStep(params, optimizer, args.maxGradNorm(), group);
            if (main) {
                Provenance.write(out, provenance(), Map.of("started_at_step", start, "world_size",
                        group.worldSize()));
            }
            if (main) {
                logsOpen(out, start);
            }
            MetricWindow window = new MetricWindow(UPDATE_METRICS);
            String evalTail = "";
            ProgressBar bar = new ProgressBar(main ? console
                    : new PrintStream(java.io.OutputStream.nullOutputStream()), kind, start, totalSteps, terminal && main);
            try (RunLog metrics = main ? RunLog.open(out.resolve("metrics.jsonl"), args.tensorBoardDir(), start)
                    : null) {
                runLog = metrics;
                if (eval != null && args.evalOnStart() && start == 0) { // the starting model's numbers, at step 0
                    Map<String, Double> ev = eval.evaluate(policy);
                    lastLog = logEvaluation(0, ev, metrics);
                    evalTail = evalTail(ev);
                }
                for (int step = start; step < totalSteps && done != stopAfterStep; step++) {
                    long t0 = System.nanoTime();
                    Map<String, Double> m;
                    int s = step;
                    double[] phase = new double[3];
                    Updater updater = (k, backward) -> {
                        UpdateStep.Result r = update.apply(schedule.at(s * mu + k), backward);
                        phase[0] += r.seconds().backward();
                        phase[1] += r.seconds().allreduce();
                        phase[2] += r.seconds().optimizer();
                        if (!r.applied()) {
                            nanSkipped++; // a non-finite loss or gradient: skip the update, count it, go on
                            LOG.log(System.Logger.Level.WARNING,
                                    "step {0}: non-finite loss or gradient, update skipped", s + 1);
                        }
                        return r;
                    };
                    // every step in one native scope: clipping's and AdamW's temporaries too, which otherwise wait for
                    // a garbage collection the small Java heap rarely runs (a 100-step SFT run grew by ~2.6 GB)
                    try (NativeScope stepScope = NativeScope.open()) {
                        m = step(new StepContext(step, policy, order, group, schedule, mu, updater));
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    Double judged = null; // this step's value of metric_for_best_model, when it evaluates
                    m.put("step_time_s", seconds);
                    m.put("time/backward_s", phase[0]); // forward and backward of the loss
                    m.put("time/allreduce_s", phase[1]);
                    m.put("time/optimizer_s", phase[2]); // clipping and AdamW
                    m.put("tokens_per_s", m.getOrDefault("tokens", 0.0) / seconds);
                    window.addAll(m);
                    done = step + 1;
                    if (main && (done % args.loggingSteps() == 0 || done == totalSteps)) {
                        Map<String, Object> rec = new LinkedHashMap<>();
                        rec.put("step", done);
                        rec.put("epoch", order.epochProgress());
                        rec.putAll(window.meansAndReset());
                        rec.put("nan_skipped", nanSkipped);
                        if (args.skipBadRows()) {
                            rec.put("skipped_bad_rows", skippedBadRows);
                        }
                        metrics.write(rec);
                        lastLog = rec;
                    }
                    if (eval != null && args.evalSteps() > 0 && (done % args.evalSteps() == 0 || done == totalSteps)) {
                        // every rank evaluates (the same numbers): a rank waiting idle for rank 0 could pass the
                        // collective timeout on a long evaluation
                        Map<String, Double> ev = eval.evaluate(policy);
                        if (bestMetric != null) {
                            judged = ev.get(bestMetric);
                            if (judged == null) {
                                throw new IllegalStateException("the evaluation reported no '" + bestMetric
                                        + "' (metric_for_best_model); it reported " + ev.keySet());
                            }
                        }
                        lastLog = merged(lastLog, logEvaluation(done, ev, metrics));
                        evalTail = evalTail(ev);
                    }
                    if (done % args.saveSteps() == 0 || done == totalSteps) {
                        if (judged != null) {
                            best = BestCheckpoint.better(best, bestMetric, judged, args.greaterIsBetter(),
                                    "checkpoint-" + done);
                        }
                        boolean modelOnly = args.saveOnlyModel();
                        TrainerState state = new TrainerState(done, order.epoch(), order.position(), args.seed(),
                                nanSkipped, totalSteps, best, modelOnly);
                        if (main) {
                            // the world size with the settings: --resume compares the global micro-batch
                            Map<String, Object> prov = new java.util.LinkedHashMap<>(provenance());
                            prov.put("world_size", group.worldSize());
                            last = store.save(policy, modelOnly ? null : f -> {
                                optimizer.save(f, group);
                                saveState(f.getParent());
                            }, state, prov, lora, Path.of(args.model()));
                        } else {
                            if (!modelOnly) {
                                optimizer.save(null, group); // a sharded optimiser's state travels to rank 0
                            }
                            last = out.resolve("checkpoint-" + done);
                        }
                    }
                    bar.update(done, progressTail(m) + evalTail);
                }
            }
            if (done == totalSteps) {
                group.barrier(); // no rank returns before rank 0's last checkpoint is complete
            }
        } finally {
            runLog = null;
            optimizer.close();
            release();
            if (policy != base) {
                policy.close();
            }
        }
        if (best != null && main) {
            console.println(String.format(Locale.ROOT, "%s: best checkpoint %s (eval/%s %.4f)", kind,
                    out.resolve(best.checkpoint()), best.metric(), best.value()));
        }
        return new Outcome(done, totalSteps, nanSkipped, last, lastLog, best);
    }

    private static String gib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.3f", bytes / (double) (1L << 30));
    }

    private void broadcastWeights(Policy p) {
        if (group.worldSize() > 1) {
            group.broadcast(p.parameters().stream().map(Parameter::value).toList(), 0);
        }
    }

    /** The evaluation's record at {@code step} ({@code eval/} keys), written by rank 0 (the one with a log). */
    private static Map<String, Object> logEvaluation(int step, Map<String, Double> ev, RunLog metrics)
            throws IOException {
        Map<String, Object> rec = new LinkedHashMap<>();
        rec.put("step", step);
        ev.forEach((k, v) -> rec.put("eval/" + k, v));
        if (metrics != null) {
            metrics.write(rec);
        }
        return rec;
    }

    /** The last evaluation on the progress line: detection mAP when the set has detection, else the mean reward. */
    private static String evalTail(Map<String, Double> ev) {
        Double map = ev.get("detection_map");
        if (map != null && !map.isNaN()) {
            return String.format(Locale.ROOT, " | eval mAP %.3f", map);
        }
        Double r = ev.get("reward");
        return r == null ? "" : String.format(Locale.ROOT, " | eval reward %.3f", r);
    }

    private static Map<String, Object> merged(Map<String, Object> a, Map<String, Object> b) {
        Map<String, Object> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    protected static String fmt(String name, Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%s %.3f", name, v);
    }
}
