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
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.checkpoint.Provenance;
import org.visualrft.train.checkpoint.TrainerState;
import org.visualrft.train.config.TrainingArguments;
import org.visualrft.train.data.DataOrder;
import org.visualrft.train.metrics.MetricWindow;
import org.visualrft.train.metrics.MetricsLog;
import org.visualrft.train.metrics.ProgressBar;
import org.visualrft.train.optim.AdamW;
import org.visualrft.train.optim.LrSchedule;

/**
 * What GRPO and SFT share around their step: resuming from the latest checkpoint, the optimiser and schedule, the
 * metrics log, the progress bar, in-loop evaluation and checkpoints. A subclass supplies {@link #step(int)}.
 */
public abstract class TrainingLoop {
    protected final TrainingArguments args;
    protected final int dataSize;
    private final String kind;
    private final InLoopEval eval;
    private final PrintStream console;
    private final boolean terminal;

    protected Policy policy;
    protected AdamW optimizer;
    protected List<Tensor> params;
    protected LrSchedule schedule;
    protected DataOrder order;
    protected int nanSkipped;
    protected int totalSteps;
    private int skippedBadRows;

    /** What a run ended with. */
    public record Outcome(int step, int totalSteps, int nanSkipped, Path lastCheckpoint, Map<String, Object> lastLog) {
    }

    protected TrainingLoop(String kind, TrainingArguments args, int dataSize, InLoopEval eval, PrintStream console,
            boolean terminal) {
        this.kind = kind;
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

    /** One optimiser step (index {@code step}, 0-based); returns its metrics (TRL names). */
    protected abstract Map<String, Double> step(int step);

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

    protected abstract Map<String, Object> provenance();

    /** The console tail after the bar, e.g. {@code reward 1.234}. */
    protected abstract String progressTail(Map<String, Double> m);

    /**
     * Trains {@code base} (updated in place, unless a checkpoint is resumed: then the checkpoint's model is loaded,
     * trained and closed at the end). {@code stopAfterStep} ends the run early as a kill would (tests); -1 runs on.
     */
    public Outcome run(Policy base, boolean resume, int stopAfterStep) throws IOException {
        Path out = Path.of(args.outputDir());
        CheckpointStore store = new CheckpointStore(out, args.saveTotalLimit());
        totalSteps = args.totalSteps(dataSize);
        Optional<Path> ckpt = store.latest();
        if (!resume && ckpt.isPresent()) {
            throw new org.visualrft.core.BadInputException(out.toString(), "output_dir already holds checkpoints ("
                    + ckpt.get().getFileName() + "); pass --resume to continue that run, or choose another output_dir");
        }
        if (resume && ckpt.isEmpty()) {
            console.println(kind + ": no checkpoint in " + out + " yet; starting from step 0");
        }
        int start = 0;
        prepare(base);
        policy = base;
        if (ckpt.isPresent()) {
            TrainerState st = CheckpointStore.readState(ckpt.get());
            if (st.seed() != args.seed()) {
                throw new org.visualrft.core.BadInputException(ckpt.get().resolve("trainer_state.json"),
                        "was written with seed " + st.seed() + ", the config says " + args.seed());
            }
            policy = ModelLoader.load(CheckpointStore.modelDir(ckpt.get()));
            start = st.step();
            nanSkipped = st.nanSkipped();
            order = new DataOrder(dataSize, args.seed(), st.epoch(), st.position());
            console.println(kind + ": resuming from " + ckpt.get() + " (step " + start + " of " + totalSteps + ")");
        } else {
            order = new DataOrder(dataSize, args.seed());
        }
        params = new ArrayList<>();
        for (Parameter p : policy.trainableParameters()) {
            params.add(p.value());
        }
        optimizer = new AdamW(params, args.adamBeta1(), args.adamBeta2(), args.adamEpsilon(), args.weightDecay());
        Path last = ckpt.orElse(null);
        Map<String, Object> lastLog = Map.of();
        int done = start;
        try {
            if (ckpt.isPresent()) {
                optimizer.load(CheckpointStore.optimizerFile(ckpt.get()));
            }
            int mu = updatesPerStep();
            schedule = new LrSchedule(args.lrSchedulerType(), args.learningRate(), args.warmup(totalSteps) * mu,
                    totalSteps * mu);
            Provenance.write(out, provenance(), Map.of("started_at_step", start));
            MetricWindow window = new MetricWindow();
            ProgressBar bar = new ProgressBar(console, kind, start, totalSteps, terminal);
            String evalTail = "";
            try (MetricsLog metrics = MetricsLog.open(out.resolve("metrics.jsonl"), start)) {
                for (int step = start; step < totalSteps && done != stopAfterStep; step++) {
                    long t0 = System.nanoTime();
                    Map<String, Double> m;
                    // every step in one native scope: clipping's and AdamW's temporaries too, which otherwise wait for
                    // a garbage collection the small Java heap rarely runs (a 100-step SFT run grew by ~2.6 GB)
                    try (NativeScope stepScope = NativeScope.open()) {
                        m = step(step);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    m.put("step_time_s", seconds);
                    m.put("tokens_per_s", m.getOrDefault("tokens", 0.0) / seconds);
                    window.addAll(m);
                    done = step + 1;
                    if (done % args.loggingSteps() == 0 || done == totalSteps) {
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
                        Map<String, Object> rec = new LinkedHashMap<>();
                        rec.put("step", done);
                        Map<String, Double> ev = eval.evaluate(policy);
                        ev.forEach((k, v) -> rec.put("eval/" + k, v));
                        metrics.write(rec);
                        evalTail = evalTail(ev);
                        lastLog = merged(lastLog, rec);
                    }
                    if (done % args.saveSteps() == 0 || done == totalSteps) {
                        last = store.save(policy, optimizer, new TrainerState(done, order.epoch(), order.position(),
                                args.seed(), nanSkipped, totalSteps), provenance());
                    }
                    bar.update(done, progressTail(m) + evalTail);
                }
            }
        } finally {
            optimizer.close();
            release();
            if (policy != base) {
                policy.close();
            }
        }
        return new Outcome(done, totalSteps, nanSkipped, last, lastLog);
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
