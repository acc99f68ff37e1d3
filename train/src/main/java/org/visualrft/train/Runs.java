package org.visualrft.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.IntSupplier;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.train.checkpoint.AdapterCheckpoint;
import org.visualrft.train.checkpoint.ResumeCheck;
import org.visualrft.train.checkpoint.RunLock;
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

    /**
     * A GRPO run as one rank of {@code group} (a single process is a group of one; rollouts are seeded per prompt, so
     * the same config gives the same run for any number of ranks). Everything that can be checked is checked before
     * anything is written: config, data, model, that every prompt fits the model, that output_dir is free (locked for
     * the run) and, with {@code resume}, that the checkpoint is sound and the settings unchanged (unless
     * {@code allowChangedSettings}) and, for a LoRA checkpoint, that the base model folder is the one it was trained
     * on. {@code device} null: the config's {@code device:}.
     */
    public static TrainingLoop.Outcome grpo(Path configFile, boolean resume, boolean allowChangedSettings,
            PrintStream console, boolean terminal, ProcessGroup group, Device device) throws IOException {
        GrpoConfig cfg = GrpoConfig.load(configFile);
        Path out = outputDir(cfg.args(), configFile); // before any input is read
        String src = configFile.toString();
        // bad names fail before the model loads
        Rewarder named = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), src);
        ExampleLoader.Loaded loaded = data(cfg.args(), cfg.args().dataset(), src, "dataset");
        List<TrainingExample> data = loaded.examples();
        List<TrainingExample> evalData = evalData(cfg.args(), src, "grpo", console);
        requireBestMetric(cfg.args(), evalData == null ? null
                : new RewardEval(evalData, named, null, 1, cfg.args().evalLimit()).metricNames(), configFile);
        Engine.setThreads(cfg.args().threads());
        // before minutes of loading; beta > 0 reads the frozen reference from the base folder again
        AdapterCheckpoint.requireSameBase(out, resume, cfg.args().model(), cfg.beta() != 0);
        try (Policy base = model(cfg.args().model(), src, cfg.args().loadOptions(device(device, cfg.args(), group)))) {
            // the model's box frame, by construction
            Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), src,
                    base.rewardOptions(RewardOptions.DEFAULT));
            gradientCheckpointing(base, cfg.args());
            RunPreflight.Checked checked = RunPreflight.grpo("grpo", base, data, cfg.args().dataset(),
                    cfg.maxCompletionLength(), cfg.maxPromptLength(), cfg.args().skipBadRows(), console);
            data = checked.examples();
            int skippedBadRows = loaded.skippedBadRows() + checked.skipped();
            if (evalData != null) {
                evalData = RunPreflight.grpo("grpo", base, evalData, cfg.args().evalDataset(),
                        cfg.maxCompletionLength(), cfg.maxPromptLength(), cfg.args().skipBadRows(), console).examples();
            }
            InLoopEval eval = evaluation(cfg.args(), evalData, rewarder, RewardMode.parseOrNull(cfg.rewardMode()),
                    cfg.maxCompletionLength());
            try (RunLock lock = group.rank() == 0 ? RunLock.acquire(out) : null) {
                ResumeCheck.check(out, resume, allowChangedSettings, new ResumeCheck.Run("grpo", cfg.asYaml(),
                        cfg.args().seed(), cfg.args().totalSteps(data.size(), group.worldSize()), data.size(),
                        configFile, group.worldSize()), console);
                return new GrpoTrainer(cfg, data, rewarder, eval, console, terminal, group, RolloutSeeding.PER_PROMPT)
                        .skippedBadRows(skippedBadRows).run(base, resume, -1);
            }
        }
    }

    /** An SFT run as one rank of {@code group} on {@code device} (null: the config's), checked up front as GRPO is. */
    public static TrainingLoop.Outcome sft(Path configFile, boolean resume, boolean allowChangedSettings,
            PrintStream console, boolean terminal, ProcessGroup group, Device device) throws IOException {
        SftConfig cfg = SftConfig.load(configFile);
        Path out = outputDir(cfg.args(), configFile); // before any input is read
        String src = configFile.toString();
        ExampleLoader.Loaded data = data(cfg.args(), cfg.args().dataset(), src, "dataset");
        List<TrainingExample> evalData = evalData(cfg.args(), src, "sft", console);
        requireBestMetric(cfg.args(), evalData == null ? null
                : new org.visualrft.train.sft.SftEval(new RewardEval(evalData, Rewarder.of(List.of(), List.of(),
                        "strict", src), null, 1, cfg.args().evalLimit()), evalData, cfg).metricNames(), configFile);
        Engine.setThreads(cfg.args().threads());
        AdapterCheckpoint.requireSameBase(out, resume, cfg.args().model()); // before minutes of loading
        try (Policy base = model(cfg.args().model(), src, cfg.args().loadOptions(device(device, cfg.args(), group)))) {
            gradientCheckpointing(base, cfg.args());
            Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", src, base.rewardOptions(RewardOptions.DEFAULT));
            InLoopEval answers = evaluation(cfg.args(), evalData, rewarder, RewardMode.STRICT, cfg.maxLength());
            InLoopEval eval = answers == null ? null : new org.visualrft.train.sft.SftEval(answers, evalData, cfg);
            RunPreflight.Checked checked = RunPreflight.sft(base, data.examples(), cfg.args().dataset(), cfg,
                    cfg.args().skipBadRows(), console);
            List<TrainingExample> examples = checked.examples();
            int skippedBadRows = data.skippedBadRows() + checked.skipped();
            if (evalData != null) {
                RunPreflight.grpo("sft", base, evalData, cfg.args().evalDataset(), cfg.maxLength(), console);
            }
            try (RunLock lock = group.rank() == 0 ? RunLock.acquire(out) : null) {
                ResumeCheck.check(out, resume, allowChangedSettings, new ResumeCheck.Run("sft", cfg.asYaml(),
                        cfg.args().seed(), cfg.args().totalSteps(examples.size(), group.worldSize()),
                        examples.size(), configFile, group.worldSize()), console);
                return new SftTrainer(cfg, examples, eval, console, terminal, group)
                        .skippedBadRows(skippedBadRows).run(base, resume, -1);
            }
        }
    }

    /** gradient_checkpointing on a family without it: refused before output_dir is made (and locked). */
    private static void gradientCheckpointing(Policy base, TrainingArguments a) {
        try {
            base.gradientCheckpointing(a.gradientCheckpointing());
        } catch (IllegalArgumentException e) {
            throw new org.visualrft.core.BadInputException(a.model(), e.getMessage());
        }
    }

    /**
     * output_dir, refused when it is a file or when the files a run writes there are its inputs; TensorBoard's folder,
     * refused when it is a file.
     */
    private static Path outputDir(TrainingArguments a, Path configFile) {
        Path out = Path.of(a.outputDir());
        OutputPaths.requireFolderOrAbsent("output_dir", out);
        if (a.tensorBoardDir() != null) { // event files get new names: nothing there is overwritten
            OutputPaths.requireFolderOrAbsent("logging_dir", a.tensorBoardDir());
        }
        java.util.Map<String, Path> inputs = new java.util.LinkedHashMap<>();
        inputs.put("the config file", configFile);
        inputs.put("dataset", a.dataset() == null ? null : Path.of(a.dataset()));
        inputs.put("eval_dataset", a.evalDataset() == null ? null : Path.of(a.evalDataset()));
        for (String written : new String[] {"metrics.jsonl", "provenance.json", "completions.jsonl"}) {
            OutputPaths.refuseOverwritingInput("output_dir's " + written, out.resolve(written), inputs);
        }
        Path model = Path.of(a.model());
        try {
            if (Files.isDirectory(out) && Files.isDirectory(model) && Files.isSameFile(out, model)) {
                throw new BadInputException(out, "output_dir is the model folder (model): the run's files would "
                        + "change the base model it starts from (and that --resume checks by hash); choose another "
                        + "output_dir");
            }
        } catch (IOException e) {
            // unreadable: the model check that follows names it
        }
        return out;
    }

    /**
     * metric_for_best_model must be something the in-loop evaluation of {@code evalData} reports (checked before the
     * model loads).
     */
    private static void requireBestMetric(TrainingArguments a, java.util.Set<String> names, Path configFile) {
        String m = a.metricForBestModel();
        if (m != null && names != null && !names.contains(m)) {
            throw new BadInputException(configFile, "'metric_for_best_model' the in-loop evaluation of "
                    + a.evalDataset() + " reports no '" + m + "'; it reports " + String.join(", ", names));
        }
    }

    /**
     * eval_dataset, read and checked whenever it is set, as dataset is (a typo in it fails now, not at the first
     * evaluation of a later run); with eval_steps 0 the run says that it will not evaluate it, and it is not used
     * (null).
     */
    private static List<TrainingExample> evalData(TrainingArguments a, String src, String trainer,
            PrintStream console) {
        if (a.evalDataset() == null) {
            return null;
        }
        List<TrainingExample> examples = data(a, a.evalDataset(), src, "eval_dataset").examples();
        if (a.evalSteps() == 0) {
            console.println(trainer + ": note: eval_dataset is set but eval_steps is 0 (off), so the run evaluates "
                    + "nothing; set eval_steps to evaluate every N steps and at the end");
            return null;
        }
        return examples;
    }

    private static InLoopEval evaluation(TrainingArguments a, List<TrainingExample> evalData, Rewarder rewarder,
            RewardMode mode, int maxNewTokens) {
        if (evalData == null) {
            return null;
        }
        return new RewardEval(evalData, rewarder, mode, maxNewTokens, a.evalLimit());
    }

    static ExampleLoader.Loaded data(TrainingArguments a, String path, String src, String key) {
        if (path == null) {
            throw new BadInputException(src, "'" + key + "' is not set (a ViRFT-style .jsonl file, a .parquet file,"
                    + " a folder of parquet shards or a glob)");
        }
        ExampleLoader.Loaded loaded = ExampleLoader.load(path, a.columns(), a.skipBadRows());
        if (a.systemPrompt() == null) {
            return loaded;
        }
        List<TrainingExample> asked = new java.util.ArrayList<>(loaded.examples().size());
        for (TrainingExample ex : loaded.examples()) { // system_prompt: before every prompt, training and evaluation
            asked.add(ex.withSystem(a.systemPrompt()));
        }
        return new ExampleLoader.Loaded(asked, loaded.skippedBadRows());
    }

    /**
     * The run's device: {@code cli} (the launcher resolved it, see {@link #rankDevice}), else the config's, mapped by
     * {@link #rankDevice} with the rank standing for the local rank (a Java caller's group on one machine).
     */
    static Device device(Device cli, TrainingArguments a, ProcessGroup group) {
        if (cli != null) {
            return cli;
        }
        return rankDevice(a.device(), group.rank(), group.worldSize(), org.visualrft.model.tensor.Cuda::deviceCount);
    }

    /**
     * One rank's device under torchrun's contract: a bare {@code cuda} (= {@code cuda:0}) in a run of several
     * processes is {@code cuda:LOCAL_RANK}, the GPU the rank's local rank picks on its node, whatever its global rank.
     * An explicit {@code cuda:N} (N &gt; 0) and the CPU are kept. When a process sees one GPU (or none), as under a
     * launcher that gives each rank its own {@code CUDA_VISIBLE_DEVICES}, {@code cuda:0} is that GPU and is kept. A
     * local rank with no GPU of its own (more ranks on a node than GPUs visible) is a clear error, not two ranks
     * silently sharing one GPU. {@code visibleGpus} is asked only when the mapping needs it.
     */
    public static Device rankDevice(Device chosen, int localRank, int worldSize, IntSupplier visibleGpus) {
        if (!chosen.isCuda() || worldSize <= 1 || chosen.index() != 0) {
            return chosen;
        }
        int gpus = visibleGpus.getAsInt();
        if (gpus <= 1) {
            return chosen;
        }
        if (localRank < 0 || localRank >= gpus) {
            throw new BadInputException("environment", "LOCAL_RANK " + localRank + " has no GPU of its own: " + gpus
                    + " are visible (cuda:0 to cuda:" + (gpus - 1) + "); start at most one rank per GPU on a node"
                    + " (--nproc, or CUDA_VISIBLE_DEVICES per rank), or name the GPU (cuda:N)");
        }
        return Device.cuda(localRank);
    }

    /**
     * A model folder (config.json with a known model_type), opened as {@code options} ask: device, torch_dtype, LoRA.
     */
    static Policy model(String model, String src, org.visualrft.model.policy.LoadOptions options) {
        return model(model, src, options, null);
    }

    /** As {@link #model(String, String, org.visualrft.model.policy.LoadOptions)}, PEFT adapters on top (null: none). */
    static Policy model(String model, String src, org.visualrft.model.policy.LoadOptions options, Path adapter) {
        Path dir = Path.of(model);
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(src, "'model' must be a model folder (config.json, model.safetensors, "
                    + "tokenizer.json); '" + model + "' is not a folder");
        }
        return adapter == null ? ModelLoader.load(dir, options) : ModelLoader.load(dir, options, adapter);
    }
}
