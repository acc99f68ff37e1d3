package org.visualrft.app.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.visualrft.app.report.Curve;
import org.visualrft.app.report.DemoResults;
import org.visualrft.app.report.PassAtK;
import org.visualrft.app.report.ReportTable;
import org.visualrft.app.report.ReportWriter;
import org.visualrft.app.report.RunRecord;
import org.visualrft.app.report.TextTable;
import org.visualrft.core.world.HeldOutSets;
import org.visualrft.core.world.KShotDraws;
import org.visualrft.core.world.WorldSample;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Engine;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.train.metrics.ProgressBar;

/**
 * The built-in benchmark end to end: evaluate the shipped base on every held-out set (with pass@k on the targets),
 * fine-tune it with SFT and with Visual-RFT for every setting and k-shot draw, evaluate each result, and write the
 * tables, plots, {@code results.json}, per-run metrics and {@code report.html}.
 */
public final class DemoPipeline {
    private final DemoPlan plan;
    private final Path baseModel;
    private final Path out;
    private final PrintStream console;
    private final boolean terminal;

    public DemoPipeline(DemoPlan plan, Path baseModel, Path out, PrintStream console, boolean terminal) {
        this.plan = plan;
        this.baseModel = baseModel;
        this.out = out;
        this.console = console;
        this.terminal = terminal;
    }

    public DemoResults run(String version) throws Exception {
        long t0 = System.nanoTime();
        List<Setting> settings = Setting.all(plan); // an unknown --settings id fails before anything is written
        try (DemoOutput output = DemoOutput.open(out)) {
            DemoResults r = run(version, t0, settings, output.staging());
            output.publish();
            console.printf(Locale.ROOT, "%ndemo: %.0f s; report %s%n", r.timings().get("total"),
                    out.resolve("report.html"));
            return r;
        }
    }

    /** The run itself, writing into {@code dir} (the output's staging folder). */
    private DemoResults run(String version, long t0, List<Setting> settings, Path dir) throws Exception {
        Engine.setThreads(1);
        Map<String, Double> timings = new LinkedHashMap<>();
        HeldOutSets sets = HeldOutSets.build(plan.evalSizes(), plan.seed());
        console.printf(Locale.ROOT, "demo (%s): base model %s, %d settings × %d draw(s) × SFT/Visual-RFT, %d worker(s)%n",
                plan.mode(), baseModel, settings.size(), plan.draws(), plan.workers());

        Map<String, Double> base;
        Map<String, Double> baseNoCot = Map.of();
        List<PassAtK> passAtK = new ArrayList<>();
        long tb = System.nanoTime();
        try (Policy policy = ModelLoader.load(baseModel)) {
            EnumSet<EvalSet> all = EnumSet.allOf(EvalSet.class);
            ProgressBar bar = new ProgressBar(console, "base eval", 0, WorldEvaluation.size(sets, all), terminal);
            base = WorldEvaluation.evaluate(policy, sets, all, true, n -> bar.update(n, ""));
            if (plan.cotAblation()) {
                List<EvalSet> noCot = List.of(EvalSet.CLS_HARD, EvalSet.CLS_OTHER, EvalSet.DET_BASE, EvalSet.GROUND);
                ProgressBar bar2 = new ProgressBar(console, "base eval, no thinking", 0,
                        WorldEvaluation.size(sets, noCot), terminal);
                baseNoCot = WorldEvaluation.evaluate(policy, sets, noCot, false, n -> bar2.update(n, ""));
            }
            timings.put("base_eval", (System.nanoTime() - tb) / 1e9);
            long tp = System.nanoTime();
            List<EvalSet> targets = List.of(EvalSet.CLS_HARD, EvalSet.DET_FEWSHOT, EvalSet.DET_NOVEL, EvalSet.GROUND);
            ProgressBar bar3 = new ProgressBar(console, "base pass@" + plan.passK(), 0, targets.size(), terminal);
            for (EvalSet e : targets) {
                List<WorldSample> set = e.of(sets);
                List<WorldSample> subset = set.subList(0, Math.min(plan.passSize(), set.size()));
                passAtK.add(PassAtKMeasure.measure(e.key(), policy, subset, plan.passK(), plan.seed() + e.ordinal()));
                bar3.update(passAtK.size(), "");
            }
            timings.put("pass_at_k", (System.nanoTime() - tp) / 1e9);
        }

        List<RunSpec> specs = new ArrayList<>();
        for (Setting s : settings) {
            for (int d = 0; d < plan.draws(); d++) {
                specs.add(new RunSpec(s, "sft", d, true));
                specs.add(new RunSpec(s, "rft", d, true));
            }
        }
        if (plan.cotAblation()) {
            Setting largest = settings.stream().filter(s -> s.id().startsWith("cls-"))
                    .reduce((a, b) -> b).orElseThrow();
            for (int d = 0; d < plan.draws(); d++) {
                specs.add(new RunSpec(largest, "rft", d, false));
            }
        }
        long tr = System.nanoTime();
        FineTuner tuner = new FineTuner(baseModel, plan, sets, KShotDraws.shipped(), dir.resolve("runs"));
        List<FineTuner.Result> results = runAll(tuner, specs);
        AtomicFile.deleteTree(dir.resolve("runs"));
        timings.put("fine_tuning", (System.nanoTime() - tr) / 1e9);

        List<RunRecord> runs = results.stream().map(FineTuner.Result::record).toList();
        List<ReportTable> tables = new DemoTables(base, baseNoCot, runs, settings).all();
        List<Curve> curves = DemoCurves.all(results, settings, base);
        List<String> findings = Findings.write(settings, runs, base, passAtK, plan);
        timings.put("total", (System.nanoTime() - t0) / 1e9);
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (EvalSet e : EvalSet.values()) {
            sizes.put(e.key(), e.of(sets).size());
        }
        DemoResults r = new DemoResults(plan.mode(), plan.seed(), version, config(), sizes, base, passAtK, runs,
                tables, curves, findings, missing(), timings);
        ReportWriter.write(dir, r);
        console.println();
        for (ReportTable t : tables) {
            console.println(TextTable.render(t));
        }
        findings.forEach(f -> console.println("- " + f));
        return r;
    }

    private List<FineTuner.Result> runAll(FineTuner tuner, List<RunSpec> specs) throws Exception {
        ProgressBar bar = new ProgressBar(console, "fine-tuning runs", 0, specs.size(), terminal);
        AtomicInteger done = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(plan.workers());
        try {
            List<Future<FineTuner.Result>> futures = new ArrayList<>();
            for (RunSpec s : specs) {
                futures.add(pool.submit(() -> {
                    FineTuner.Result res = tuner.run(s);
                    synchronized (bar) {
                        bar.update(done.incrementAndGet(), s.name());
                    }
                    return res;
                }));
            }
            List<FineTuner.Result> out = new ArrayList<>();
            for (Future<FineTuner.Result> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("base_model", baseModel.toString());
        c.put("draws", plan.draws());
        c.put("classification_shots", plan.clsShots().toString());
        c.put("detection_shots", plan.detShots() + " positive + " + plan.detShots() + " negative per category");
        c.put("ov_shots", plan.ovShots() + " positive + 1 negative per base category");
        c.put("grounding_scenes", plan.groundShots());
        c.put("sft_steps", plan.sftSteps());
        c.put("sft_lr", plan.sftLr());
        c.put("sft_batch", plan.sftBatch());
        c.put("grpo_steps", plan.grpoSteps());
        c.put("grpo_lr", plan.grpoLr());
        c.put("grpo_prompts_per_step", plan.grpoPrompts());
        c.put("grpo_generations", plan.generations());
        c.put("grpo_beta", plan.beta());
        c.put("grpo_temperature", 1.0);
        c.put("grpo_top_k", 50);
        c.put("grpo_dynamic_sampling", plan.dynamicSampling());
        c.put("reward_mode", "strict (paper's rewards; No Objects on a negative earns the accuracy rewards)");
        c.put("pass_k", plan.passK());
        c.put("workers", plan.workers());
        return c;
    }

    private List<String> missing() {
        List<String> m = new ArrayList<>();
        m.add("SFT without thinking is not run in the ablation: its answer-only target is a format the base never "
                + "wrote, so the row would measure format change, not reasoning.");
        m.add("LISA's gIoU (SAM masks) has no analogue: the world's targets are boxes, so Table 6 reports mIoU only.");
        if (plan.draws() < 3) {
            m.add("Only " + plan.draws() + " k-shot draw(s) (" + plan.mode() + " mode): no spread to judge "
                    + "differences; run the full demo for 3 draws.");
        }
        return m;
    }
}
