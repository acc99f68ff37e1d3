package org.visualrft.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.visualrft.app.demo.DemoOutput;
import org.visualrft.app.demo.DemoPipeline;
import org.visualrft.app.demo.DemoPlan;
import org.visualrft.app.demo.Setting;
import org.visualrft.core.BadInputException;
import org.visualrft.core.Limits;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.core.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The built-in benchmark: few-shot SFT vs Visual-RFT on the Fashion-MNIST world, in the layout of the paper's tables. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run the paper's experiment on the built-in model and data: SFT vs Visual-RFT "
        + "(GRPO) on 1/2/4-shot classification, 2-shot detection, open-vocabulary detection and grounding; writes "
        + "report.html, results.json, metrics and plots.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "A small run (1 draw, small sets, few steps) for a first look and CI.")
    boolean quick;

    @Option(names = "--out", defaultValue = "demo-out", description = "Output folder: new, empty or a previous demo's, "
            + "whose files are replaced when the run has finished (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the sets, draws and runs (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--model", description = "Base model folder (default: the shipped models/vrft-tiny-base).")
    Path model;

    @Option(names = "--workers", description = "Fine-tuning runs in parallel, one core each (default: 2, or 1 on a "
            + "one-core machine). The numbers do not depend on it.")
    Integer workers;

    @Option(names = "--dynamic-sampling", description = "GRPO drops groups with equal rewards and refills "
            + "(experiment option).")
    boolean dynamicSampling;

    @Option(names = "--settings", split = ",", paramLabel = "ID", description = "Run only these settings "
            + "(cls-1shot, cls-2shot, cls-4shot, det-2shot, ov, ground). Experiment option: the report is marked custom.")
    List<String> settings;

    @Option(names = "--draws", description = "k-shot draws per setting (experiment option).")
    Integer draws;

    @Option(names = "--steps", description = "Optimiser steps of every SFT and GRPO run (experiment option).")
    Integer steps;

    @Option(names = "--sft-lr", description = "SFT learning rate (experiment option).")
    Double sftLr;

    @Option(names = "--grpo-lr", description = "GRPO learning rate (experiment option).")
    Double grpoLr;

    @Option(names = "--beta", description = "GRPO KL coefficient (experiment option).")
    Double beta;

    @Option(names = "--generations", description = "GRPO samples per prompt, G (experiment option).")
    Integer generations;

    @Option(names = "--no-cot-ablation", description = "Skip the runs without thinking (experiment option).")
    boolean noCotAblation;

    @Override
    public Integer call() throws Exception {
        int parallel = workers != null ? workers : Math.min(2, Runtime.getRuntime().availableProcessors());
        if (parallel < 1) {
            throw new BadInputException("--workers", "must be at least 1, got " + parallel);
        }
        if (parallel > Limits.maxThreads()) {
            throw new BadInputException("--workers", Limits.threadsFault(parallel));
        }
        if (generations != null && Limits.generationsFault(generations, 2) != null) {
            throw new BadInputException("--generations", Limits.generationsFault(generations, 2));
        }
        OutputPaths.requireFolderOrAbsent("--out", out);
        DemoOutput.check(out);
        Path base = model != null ? model : shippedBase();
        if (!Files.isRegularFile(base.resolve("config.json"))) {
            throw new BadInputException(base, "no base model here; make one with 'visual-rft pretrain --out " + base
                    + "' or pass --model");
        }
        DemoPlan plan = (quick ? DemoPlan.quick(seed, parallel) : DemoPlan.full(seed, parallel))
                .withDynamicSampling(dynamicSampling)
                .withOverrides(draws, steps, sftLr, grpoLr, beta, generations, noCotAblation ? Boolean.FALSE : null,
                        settings);
        check(plan);
        new DemoPipeline(plan, base, out, System.out, System.console() != null).run(VersionInfo.projectVersion());
        return ExitCodes.OK;
    }

    private static void check(DemoPlan plan) {
        if (plan.draws() < 1) {
            throw new BadInputException("--draws", "must be at least 1, got " + plan.draws());
        }
        if (plan.sftSteps() < 1) {
            throw new BadInputException("--steps", "must be at least 1, got " + plan.sftSteps());
        }
        if (!(plan.sftLr() > 0) || !(plan.grpoLr() > 0)) {
            throw new BadInputException(plan.sftLr() > 0 ? "--grpo-lr" : "--sft-lr", "must be positive");
        }
        if (!(plan.beta() >= 0)) {
            throw new BadInputException("--beta", "must not be negative");
        }
        Setting.all(plan); // an unknown --settings id, before the base model is loaded
    }

    /** The shipped base: under the installation ({@code vrft.home}, set by the launcher) or the working folder. */
    static Path shippedBase() {
        String home = System.getProperty("vrft.home");
        Path rel = Path.of("models", "vrft-tiny-base");
        return home != null ? Path.of(home).resolve(rel) : rel;
    }
}
