package org.visualrft.app.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.app.report.RunRecord;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.core.world.HeldOutSets;
import org.visualrft.core.world.KShotDraws;
import org.visualrft.core.world.WorldSample;
import org.visualrft.core.world.WorldText;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.train.sft.SftTrainer;

/**
 * Runs one fine-tuning of the base model with the project's trainers (SFT, or GRPO with the paper's rewards in
 * strict mode, where "No Objects" on a negative query earns the accuracy rewards) and evaluates the result on the
 * setting's target and other-skill sets. The run's metrics JSONL is kept; its checkpoints are deleted.
 */
public final class FineTuner {
    private final Path baseModel;
    private final DemoPlan plan;
    private final HeldOutSets sets;
    private final KShotDraws draws;
    private final Path workDir;

    public FineTuner(Path baseModel, DemoPlan plan, HeldOutSets sets, KShotDraws draws, Path workDir) {
        this.baseModel = baseModel;
        this.plan = plan;
        this.sets = sets;
        this.draws = draws;
        this.workDir = workDir;
    }

    /** The result of a run: its record and its training curve. */
    public record Result(RunSpec spec, RunRecord record, TrainingCurve curve) {
    }

    public Result run(RunSpec spec) throws IOException {
        long t0 = System.nanoTime();
        Setting setting = spec.setting();
        long drawSeed = plan.seed() * 31 + spec.draw();
        List<WorldSample> shots = setting.trainingSet(draws, drawSeed);
        List<TrainingExample> data = new ArrayList<>();
        for (WorldSample s : shots) {
            data.add(example(s, spec.cot()));
        }
        Path out = workDir.resolve(spec.name());
        AtomicFile.deleteTree(out);
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        Map<String, Double> scores;
        try (Policy policy = ModelLoader.load(baseModel)) {
            if (spec.method().equals("sft")) {
                SftConfig cfg = SftConfig.parse(spec.name(), sftYaml(spec, out, data.size()));
                new SftTrainer(cfg, data, null, quiet, false).run(policy, false, -1);
            } else {
                GrpoConfig cfg = GrpoConfig.parse(spec.name(), grpoYaml(spec, out));
                Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), spec.name());
                new GrpoTrainer(cfg, data, rewarder, null, quiet, false).run(policy, false, -1);
            }
            List<EvalSet> which = new ArrayList<>(setting.targets());
            which.addAll(setting.others());
            scores = new LinkedHashMap<>(WorldEvaluation.evaluate(policy, sets, which, spec.cot(), n -> { }));
        }
        scores.put("other_skills", setting.otherSkills(scores));
        TrainingCurve curve = TrainingCurve.read(out.resolve("metrics.jsonl"));
        Files.createDirectories(workDir.getParent().resolve("metrics"));
        Files.copy(out.resolve("metrics.jsonl"), workDir.getParent().resolve("metrics").resolve(spec.name() + ".jsonl"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AtomicFile.deleteTree(out);
        Map<String, Double> training = new LinkedHashMap<>();
        int window = Math.max(1, curve.get("loss").length / 5);
        training.put("loss_first", curve.first("loss", window));
        training.put("loss_last", curve.last("loss", window));
        if (spec.method().equals("rft")) {
            training.put("reward_first", curve.first("reward", window));
            training.put("reward_last", curve.last("reward", window));
            training.put("kl_last", curve.last("kl", window));
            training.put("zero_std_share", curve.mean("frac_reward_zero_std"));
            training.put("reward_std_mean", curve.mean("reward_std"));
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int steps = curve.get("loss").length;
        RunRecord rec = new RunRecord(setting.id(), spec.method(), spec.cot(), spec.draw(), steps, shots.size(),
                seconds, scores, training);
        return new Result(spec, rec, curve);
    }

    /** A world example as the trainers see it; its solution is the answer the base was pretrained to write. */
    static TrainingExample example(WorldSample s, boolean cot) {
        Task task = switch (s.kind()) {
            case CLASSIFICATION -> Task.CLASSIFICATION;
            case DETECTION -> Task.DETECTION;
            case GROUNDING -> Task.GROUNDING;
        };
        String solution = "<answer>" + WorldText.answer(s) + "</answer>";
        return new TrainingExample(s.id(), WorldPrompts.prompt(s, cot),
                new RewardSample(solution, task, null, Map.of()), cot ? WorldText.thought(s) : null);
    }

    private String sftYaml(RunSpec spec, Path out, int size) {
        return String.join("\n",
                "output_dir: " + quote(out),
                "learning_rate: " + num(plan.sftLr()),
                "lr_scheduler_type: constant",
                "max_steps: " + plan.sftSteps(),
                "per_device_train_batch_size: " + Math.min(plan.sftBatch(), size),
                "gradient_accumulation_steps: 1",
                "save_steps: 1000000",
                "logging_steps: 1",
                "seed: " + spec.seed(plan.seed()),
                "threads: 1",
                "max_length: 128",
                "sft_target: " + (spec.cot() ? "with_thinking" : "answer_only"), "");
    }

    private String grpoYaml(RunSpec spec, Path out) {
        return String.join("\n",
                "preset: visual-rft",
                "output_dir: " + quote(out),
                "learning_rate: " + num(plan.grpoLr()),
                "lr_scheduler_type: constant",
                "max_steps: " + plan.grpoSteps(),
                "per_device_train_batch_size: 1",
                "gradient_accumulation_steps: " + plan.grpoPrompts(),
                "num_generations: " + plan.generations(),
                "max_completion_length: " + AnswerBudget.maxNewTokens(spec.setting().kind()),
                "beta: " + num(plan.beta()),
                "dynamic_sampling: " + plan.dynamicSampling(),
                "reward_mode: strict",
                "save_steps: 1000000",
                "logging_steps: 1",
                "seed: " + spec.seed(plan.seed()),
                "threads: 1", "");
    }

    private static String quote(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "/").replace("\"", "") + "\"";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
