package org.visualrft.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.config.TrainingArguments;
import org.visualrft.train.data.ExampleLoader;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.train.grpo.RolloutSeeding;
import org.visualrft.train.sft.SftTrainer;

/** A whole run from a config file: data, model, trainer, in-loop evaluation. What the CLI calls. */
public final class Runs {
    private Runs() {
    }

    public static TrainingLoop.Outcome grpo(Path configFile, boolean resume, PrintStream console, boolean terminal)
            throws IOException {
        return grpo(configFile, resume, console, terminal, ProcessGroup.single());
    }

    /**
     * A GRPO run as one rank of {@code group} (a single process is a group of one). Rollouts are seeded per prompt,
     * so the same config gives the same run for any number of ranks.
     */
    public static TrainingLoop.Outcome grpo(Path configFile, boolean resume, PrintStream console, boolean terminal,
            ProcessGroup group) throws IOException {
        GrpoConfig cfg = GrpoConfig.load(configFile);
        String src = configFile.toString();
        Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), src);
        List<TrainingExample> data = data(cfg.args().dataset(), src, "dataset");
        InLoopEval eval = evaluation(cfg.args(), src, rewarder, RewardMode.parseOrNull(cfg.rewardMode()),
                cfg.maxCompletionLength());
        Engine.setThreads(cfg.args().threads());
        try (Policy base = model(cfg.args().model(), src)) {
            return new GrpoTrainer(cfg, data, rewarder, eval, console, terminal, group, RolloutSeeding.PER_PROMPT)
                    .run(base, resume, -1);
        }
    }

    public static TrainingLoop.Outcome sft(Path configFile, boolean resume, PrintStream console, boolean terminal)
            throws IOException {
        return sft(configFile, resume, console, terminal, ProcessGroup.single());
    }

    /** An SFT run as one rank of {@code group}. */
    public static TrainingLoop.Outcome sft(Path configFile, boolean resume, PrintStream console, boolean terminal,
            ProcessGroup group) throws IOException {
        SftConfig cfg = SftConfig.load(configFile);
        String src = configFile.toString();
        List<TrainingExample> data = data(cfg.args().dataset(), src, "dataset");
        Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", src);
        InLoopEval eval = evaluation(cfg.args(), src, rewarder, RewardMode.STRICT, cfg.maxLength());
        Engine.setThreads(cfg.args().threads());
        try (Policy base = model(cfg.args().model(), src)) {
            return new SftTrainer(cfg, data, eval, console, terminal, group).run(base, resume, -1);
        }
    }

    private static InLoopEval evaluation(TrainingArguments a, String src, Rewarder rewarder, RewardMode mode,
            int maxNewTokens) {
        if (a.evalDataset() == null || a.evalSteps() == 0) {
            return null;
        }
        return new RewardEval(data(a.evalDataset(), src, "eval_dataset"), rewarder, mode, maxNewTokens,
                a.evalLimit());
    }

    static List<TrainingExample> data(String path, String src, String key) {
        if (path == null) {
            throw new BadInputException(src, "'" + key + "' is not set (a ViRFT-style .jsonl file)");
        }
        return ExampleLoader.load(Path.of(path));
    }

    /** A model folder (config.json with a known model_type). */
    static Policy model(String model, String src) {
        Path dir = Path.of(model);
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(src, "'model' must be a model folder (config.json, model.safetensors, "
                    + "tokenizer.json); '" + model + "' is not a folder");
        }
        return ModelLoader.load(dir);
    }
}
