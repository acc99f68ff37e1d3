package org.visualrft.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Engine;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.config.TrainingArguments;
import org.visualrft.train.data.ExampleLoader;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.train.sft.SftTrainer;

/** A whole run from a config file: data, model, trainer, in-loop evaluation. What the CLI calls. */
public final class Runs {
    private Runs() {
    }

    public static TrainingLoop.Outcome grpo(Path configFile, boolean resume, PrintStream console, boolean terminal)
            throws IOException {
        GrpoConfig cfg = GrpoConfig.load(configFile);
        String src = configFile.toString();
        Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), src); // bad names fail before the model loads
        List<TrainingExample> data = data(cfg.args().dataset(), src, "dataset");
        Engine.setThreads(cfg.args().threads());
        try (Policy base = model(cfg.args().model(), src)) {
            // the model's box frame, by construction
            Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), src,
                    base.rewardOptions(RewardOptions.DEFAULT));
            InLoopEval eval = evaluation(cfg.args(), src, rewarder, RewardMode.parseOrNull(cfg.rewardMode()),
                    cfg.maxCompletionLength());
            return new GrpoTrainer(cfg, data, rewarder, eval, console, terminal).run(base, resume, -1);
        }
    }

    public static TrainingLoop.Outcome sft(Path configFile, boolean resume, PrintStream console, boolean terminal)
            throws IOException {
        SftConfig cfg = SftConfig.load(configFile);
        String src = configFile.toString();
        List<TrainingExample> data = data(cfg.args().dataset(), src, "dataset");
        Engine.setThreads(cfg.args().threads());
        try (Policy base = model(cfg.args().model(), src)) {
            Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", src, base.rewardOptions(RewardOptions.DEFAULT));
            InLoopEval eval = evaluation(cfg.args(), src, rewarder, RewardMode.STRICT, cfg.maxLength());
            return new SftTrainer(cfg, data, eval, console, terminal).run(base, resume, -1);
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
