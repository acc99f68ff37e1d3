package org.visualrft.train.config;

import java.util.List;
import java.util.stream.Stream;
import org.visualrft.train.data.parquet.ColumnNames;

/**
 * The settings GRPO and SFT share, with Hugging Face {@code TrainingArguments} names in YAML.
 *
 * @param model a model folder (default {@code models/vrft-tiny-base}, where {@code visual-rft pretrain} writes)
 * @param dataset training data (a dataset folder or file the data loader understands)
 * @param evalDataset data for the in-loop evaluation (null: none)
 * @param outputDir where checkpoints, metrics.jsonl and provenance.json go
 * @param maxSteps optimiser steps; -1 means derive from num_train_epochs
 * @param evalSteps 0 turns in-loop evaluation off
 * @param threads libtorch intra-op threads (a measured setting; 1 wins at the built-in model's size)
 * @param columns the parquet columns of image, problem and solution ({@code image_column}, {@code problem_column},
 *                {@code solution_column})
 * @param skipBadRows skip (and count in metrics) dataset rows with a fault instead of stopping
 * @param device where the model, its optimiser state and every step run: {@code cpu} or {@code cuda[:N]} (docs/gpu.md)
 * @param zeroStage 1: ZeRO stage 1, each data-parallel rank keeps AdamW's state of its share of the parameters only
 *     (docs/distributed.md); 0: every rank keeps all of it
 * @param reportTo where metrics go besides {@code metrics.jsonl}: empty, or {@code tensorboard} (YAML
 *     {@code report_to}: {@code none}, {@code tensorboard}, {@code all}, or a list; other integrations need a network
 *     and are refused)
 * @param loggingDir TensorBoard's event-file folder (null: {@code <output_dir>/tensorboard})
 * @param saveOnlyModel checkpoints without optimiser state (Hugging Face's {@code save_only_model}): a fraction of the
 *     disk, but they cannot be resumed
 * @param minLrRate {@code cosine_with_min_lr}'s floor as a fraction of learning_rate ({@code lr_scheduler_kwargs}
 *     {@code min_lr_rate}, or {@code min_lr} / learning_rate); 0 for the other schedules
 * @param metricForBestModel the in-loop evaluation's metric that picks the best checkpoint, without the
 *     {@code eval/} prefix ({@code detection_map}); null: none
 * @param greaterIsBetter whether a higher value of that metric is better
 * @param modelArgs how the model is opened: torch_dtype and the LoRA settings
 * @param evalOnStart evaluate once before the first step (Hugging Face's {@code eval_on_start}): the starting model's
 *     numbers at step 0
 * @param systemPrompt a system message before every prompt, training and in-loop evaluation ({@code system_prompt};
 *     null, the default: none, the chat template's own default system turn, as Visual-RFT trained)
 */
public record TrainingArguments(
        String model, String dataset, String evalDataset, String outputDir,
        double learningRate, ScheduleType lrSchedulerType, double minLrRate, int warmupSteps, double warmupRatio,
        double weightDecay, double adamBeta1, double adamBeta2, double adamEpsilon, double maxGradNorm,
        int perDeviceTrainBatchSize, int gradientAccumulationSteps, double numTrainEpochs, int maxSteps,
        int saveSteps, int saveTotalLimit, boolean saveOnlyModel, int loggingSteps, int evalSteps, int evalLimit, long seed, int threads,
        ColumnNames columns, boolean skipBadRows, org.visualrft.model.tensor.Device device,
        boolean gradientCheckpointing, int zeroStage, List<String> reportTo, String loggingDir,
        String metricForBestModel, boolean greaterIsBetter, ModelArguments modelArgs, boolean evalOnStart,
        String systemPrompt) {

    static final List<String> KEYS = Stream.concat(Stream.of("model", "dataset", "eval_dataset", "output_dir",
            "learning_rate",
            "lr_scheduler_type", "lr_scheduler_kwargs", "warmup_steps", "warmup_ratio", "weight_decay", "adam_beta1", "adam_beta2",
            "adam_epsilon", "max_grad_norm", "per_device_train_batch_size", "gradient_accumulation_steps",
            "num_train_epochs", "max_steps", "save_steps", "save_total_limit", "save_only_model", "logging_steps",
            "eval_steps",
            "eval_limit", "seed", "threads", "image_column", "problem_column", "solution_column", "skip_bad_rows",
            "device", "gradient_checkpointing", "zero_stage", "report_to", "logging_dir", "metric_for_best_model",
            "greater_is_better", "load_best_model_at_end", "logging_strategy", "save_strategy", "eval_strategy",
            "evaluation_strategy", "optim", "eval_on_start", "system_prompt"), ModelArguments.KEYS.stream()).toList();

    /** Reads the shared keys; {@code defaultLr} differs between GRPO (1e-6) and SFT (2e-5) as in TRL. */
    static TrainingArguments read(YamlFields y, double defaultLr) {
        String model = y.string("model", "models/vrft-tiny-base");
        String dataset = y.string("dataset", null);
        String evalDataset = y.string("eval_dataset", null);
        String outputDir = y.string("output_dir", "runs/run");
        for (String[] path : new String[][] {{"model", model}, {"dataset", dataset}, {"eval_dataset", evalDataset},
                {"output_dir", outputDir}}) {
            if (path[1] != null && path[1].isBlank()) { // "" is the current folder: a run would write all over it
                throw y.fault(path[0], "is empty; give a path (or leave the key out for its default)");
            }
        }
        for (String key : new String[] {"model", "output_dir"}) {
            // `model:` with nothing after it is null in YAML: it must not quietly mean the default
            if (y.has(key) && y.any(key) == null) {
                throw y.fault(key, "is empty; give a path (or leave the key out for its default)");
            }
        }
        double lr = y.number("learning_rate", defaultLr);
        ScheduleType sched = ScheduleType.valueOf(y.choice("lr_scheduler_type", "linear", ScheduleType.NAMES)
                .toUpperCase(java.util.Locale.ROOT));
        double minLrRate = minLrRate(y, sched, lr);
        int warmupSteps = y.integer("warmup_steps", 0);
        double warmupRatio = y.number("warmup_ratio", 0.0);
        double wd = y.number("weight_decay", 0.0);
        double b1 = y.number("adam_beta1", 0.9);
        double b2 = y.number("adam_beta2", 0.999);
        double eps = y.number("adam_epsilon", 1e-8);
        double clip = y.number("max_grad_norm", 1.0);
        int batch = y.integer("per_device_train_batch_size", 1);
        int ga = y.integer("gradient_accumulation_steps", 1);
        double epochs = y.number("num_train_epochs", 3.0);
        int maxSteps = y.integer("max_steps", -1);
        int saveSteps = y.integer("save_steps", 500);
        int saveLimit = y.integer("save_total_limit", 0);
        boolean saveOnlyModel = y.bool("save_only_model", false);
        int logSteps = y.integer("logging_steps", 1);
        int evalSteps = y.integer("eval_steps", 0);
        int evalLimit = y.integer("eval_limit", 0);
        boolean evalOnStart = y.bool("eval_on_start", false);
        long seed = y.longInt("seed", 42);
        int threads = y.integer("threads", 1);
        ColumnNames columns = new ColumnNames(y.string("image_column", ColumnNames.DEFAULT.image()),
                y.string("problem_column", ColumnNames.DEFAULT.problem()),
                y.string("solution_column", ColumnNames.DEFAULT.solution()));
        boolean skipBadRows = y.bool("skip_bad_rows", false);
        boolean gradientCheckpointing = y.bool("gradient_checkpointing", false);
        int zeroStage = y.integer("zero_stage", 0);
        String deviceName = y.string("device", "cpu");
        org.visualrft.model.tensor.Device device;
        try {
            device = org.visualrft.model.tensor.Device.parse(deviceName);
        } catch (IllegalArgumentException e) {
            throw y.fault("device", "must be cpu, cuda or cuda:N, got '" + deviceName + "'");
        }
        List<String> reportTo = ReportTo.read(y);
        String loggingDir = y.string("logging_dir", null);
        String best = bestMetric(y.string("metric_for_best_model", null));
        // Hugging Face's rule: higher is better unless the metric is a loss
        boolean greaterIsBetter = y.bool("greater_is_better", best == null || !best.endsWith("loss"));
        strategies(y, evalSteps);
        String optim = y.string("optim", "adamw_torch");
        if (!optim.equals("adamw_torch") && !optim.equals("adamw_torch_fused")) {
            throw y.fault("optim", "the optimiser here is AdamW as torch.optim.AdamW computes it (adamw_torch), with"
                    + " adam_beta1, adam_beta2, adam_epsilon and weight_decay; got '" + optim + "'");
        }
        if (y.bool("load_best_model_at_end", false)) {
            throw y.fault("load_best_model_at_end", "is not supported: a run here keeps checkpoints only; with"
                    + " metric_for_best_model the best one is kept (save_total_limit never removes it) and named in"
                    + " trainer_state.json and on the console: use its model/ folder");
        }
        ModelArguments modelArgs = ModelArguments.read(y);
        String systemPrompt = y.string("system_prompt", null);

        positive(y, "learning_rate", lr, true);
        if (warmupSteps < 0) {
            throw y.fault("warmup_steps", "must be 0 or more, got " + warmupSteps);
        }
        if (warmupRatio < 0 || warmupRatio >= 1) {
            throw y.fault("warmup_ratio", "must be in [0, 1), got " + warmupRatio);
        }
        if (sched == ScheduleType.CONSTANT && (warmupSteps > 0 || warmupRatio > 0)) {
            // Hugging Face's constant schedule ignores the warm-up settings; here they would do something: refuse
            throw y.fault("lr_scheduler_type", "constant has no warm-up (Hugging Face's ignores warmup_steps and"
                    + " warmup_ratio); use constant_with_warmup, or set no warm-up");
        }
        if (wd < 0) {
            throw y.fault("weight_decay", "must be 0 or more, got " + wd);
        }
        if (b1 < 0 || b1 >= 1) {
            throw y.fault("adam_beta1", "must be in [0, 1), got " + b1);
        }
        if (b2 < 0 || b2 >= 1) {
            throw y.fault("adam_beta2", "must be in [0, 1), got " + b2);
        }
        positive(y, "adam_epsilon", eps, false);
        if (clip < 0) {
            throw y.fault("max_grad_norm", "must be 0 (off) or more, got " + clip);
        }
        atLeast1(y, "per_device_train_batch_size", batch);
        atLeast1(y, "gradient_accumulation_steps", ga);
        if ((long) batch * ga > org.visualrft.core.Limits.MAX_PROMPTS_PER_STEP) {
            throw y.fault("per_device_train_batch_size", "× gradient_accumulation_steps must be at most "
                    + org.visualrft.core.Limits.MAX_PROMPTS_PER_STEP + " prompts per step, got " + batch + " × " + ga);
        }
        if (maxSteps <= 0 && maxSteps != -1) {
            throw y.fault("max_steps", "must be positive, or -1 to derive it from num_train_epochs, got " + maxSteps);
        }
        if (maxSteps == -1 && !(epochs > 0)) {
            throw y.fault("num_train_epochs", "must be positive when max_steps is not set, got " + epochs);
        }
        atLeast1(y, "save_steps", saveSteps);
        if (saveLimit < 0) {
            throw y.fault("save_total_limit", "must be 0 (keep all) or more, got " + saveLimit);
        }
        atLeast1(y, "logging_steps", logSteps);
        if (evalSteps < 0) {
            throw y.fault("eval_steps", "must be 0 (off) or more, got " + evalSteps);
        }
        if (evalLimit < 0) {
            throw y.fault("eval_limit", "must be 0 (all) or more, got " + evalLimit);
        }
        if (evalDataset == null && evalOnStart) {
            throw y.fault("eval_on_start", "needs an eval_dataset (nothing to evaluate); set eval_dataset, or remove"
                    + " eval_on_start");
        }
        if (evalDataset == null && evalSteps > 0) {
            throw y.fault("eval_steps", "is " + evalSteps + " but no eval_dataset is set (nothing to evaluate); set "
                    + "eval_dataset, or remove eval_steps");
        }
        if (evalDataset == null && evalLimit > 0) {
            throw y.fault("eval_limit", "is " + evalLimit + " but no eval_dataset is set (nothing to evaluate); set "
                    + "eval_dataset, or remove eval_limit");
        }
        if (best != null && (evalDataset == null || evalSteps == 0)) {
            throw y.fault("metric_for_best_model", "needs in-loop evaluation: set eval_dataset and eval_steps");
        }
        if (best != null && saveSteps % evalSteps != 0) {
            throw y.fault("save_steps", "must be a multiple of eval_steps (" + evalSteps + ") with"
                    + " metric_for_best_model: every checkpoint is judged by its step's evaluation, got " + saveSteps);
        }
        if (zeroStage == 2 || zeroStage == 3) {
            throw y.fault("zero_stage", "ZeRO stage " + zeroStage + " (sharding the gradients"
                    + (zeroStage == 3 ? " and the parameters" : "") + ") is not implemented; 1 shards AdamW's state"
                    + " (moments and float32 masters) over the ranks, 0 keeps all of it on every rank");
        }
        if (zeroStage != 0 && zeroStage != 1) {
            throw y.fault("zero_stage", "must be 0 (off) or 1 (shard the optimiser state over the ranks), got "
                    + zeroStage);
        }
        if (org.visualrft.core.Limits.threadsFault(threads) != null) {
            throw y.fault("threads", org.visualrft.core.Limits.threadsFault(threads));
        }
        return new TrainingArguments(model, dataset, evalDataset, outputDir, lr, sched, minLrRate, warmupSteps,
                warmupRatio,
                wd, b1, b2, eps, clip, batch, ga, epochs, maxSteps, saveSteps, saveLimit, saveOnlyModel, logSteps,
                evalSteps,
                evalLimit, seed, threads, columns, skipBadRows, device, gradientCheckpointing, zeroStage, reportTo, loggingDir,
                best, greaterIsBetter, modelArgs, evalOnStart, systemPrompt);
    }

    /**
     * Hugging Face's {@code *_strategy} keys, which copied configs carry: a run here logs, saves and evaluates every N
     * steps, so {@code steps} is taken (and {@code no} for evaluation when eval_steps is 0); anything else is refused.
     */
    private static void strategies(YamlFields y, int evalSteps) {
        for (String k : new String[] {"logging_strategy", "save_strategy", "eval_strategy", "evaluation_strategy"}) {
            String v = y.string(k, "steps");
            boolean eval = k.startsWith("eval");
            // YAML reads a bare no as false
            if (v.equals("steps") || (eval && (v.equals("no") || v.equals("false")) && evalSteps == 0)) {
                continue;
            }
            String steps = k.startsWith("logging") ? "logging_steps" : k.startsWith("save") ? "save_steps" : "eval_steps";
            throw y.fault(k, "a run here counts in optimiser steps: set " + steps + " (every N steps)"
                    + (eval ? "; eval_steps: 0 turns evaluation off" : "") + ", got '" + v + "'");
        }
    }

    /**
     * {@code lr_scheduler_kwargs} as Hugging Face reads them for {@code cosine_with_min_lr}: exactly one of
     * {@code min_lr_rate} (a fraction of the peak) and {@code min_lr} (a rate); no other schedule takes any here.
     */
    private static double minLrRate(YamlFields y, ScheduleType sched, double lr) {
        Object raw = y.any("lr_scheduler_kwargs");
        java.util.Map<?, ?> kw = raw == null ? java.util.Map.of() : raw instanceof java.util.Map<?, ?> m ? m : null;
        if (kw == null) {
            throw y.fault("lr_scheduler_kwargs", "must be a mapping, got " + raw);
        }
        if (sched != ScheduleType.COSINE_WITH_MIN_LR) {
            if (!kw.isEmpty()) {
                throw y.fault("lr_scheduler_kwargs", "only cosine_with_min_lr takes arguments here (min_lr or"
                        + " min_lr_rate), got " + kw.keySet() + " with " + sched.yamlName());
            }
            return 0.0;
        }
        for (Object k : kw.keySet()) {
            if (!"min_lr".equals(k) && !"min_lr_rate".equals(k)) {
                throw y.fault("lr_scheduler_kwargs", "cosine_with_min_lr takes min_lr or min_lr_rate, got '" + k + "'");
            }
        }
        if (kw.size() != 1) {
            throw y.fault("lr_scheduler_kwargs", "cosine_with_min_lr needs one of min_lr and min_lr_rate, got "
                    + kw.keySet());
        }
        Object v = kw.values().iterator().next();
        if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw y.fault("lr_scheduler_kwargs", "min_lr / min_lr_rate must be a number, got " + v);
        }
        double rate = kw.containsKey("min_lr") ? (lr == 0 ? 0 : n.doubleValue() / lr) : n.doubleValue();
        if (rate < 0 || rate > 1) {
            throw y.fault("lr_scheduler_kwargs", "the floor must lie between 0 and learning_rate (min_lr_rate in"
                    + " [0, 1]), got " + (kw.containsKey("min_lr") ? "min_lr " : "min_lr_rate ") + v);
        }
        return rate;
    }

    /** {@code detection_map}, {@code eval/detection_map} and Hugging Face's {@code eval_detection_map} name one metric. */
    private static String bestMetric(String name) {
        if (name == null) {
            return null;
        }
        for (String prefix : new String[] {"eval/", "eval_"}) {
            if (name.startsWith(prefix)) {
                return name.substring(prefix.length());
            }
        }
        return name;
    }

    /** The same settings on another device (the CLI's {@code --device} overrides the YAML's). */
    public TrainingArguments onDevice(org.visualrft.model.tensor.Device d) {
        return new TrainingArguments(model, dataset, evalDataset, outputDir, learningRate, lrSchedulerType, minLrRate,
                warmupSteps, warmupRatio, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, perDeviceTrainBatchSize,
                gradientAccumulationSteps, numTrainEpochs, maxSteps, saveSteps, saveTotalLimit, saveOnlyModel,
                loggingSteps, evalSteps,
                evalLimit, seed, threads, columns, skipBadRows, d, gradientCheckpointing, zeroStage, reportTo, loggingDir,
                metricForBestModel, greaterIsBetter, modelArgs, evalOnStart, systemPrompt);
    }

    /** What the model loader is given: the device, torch_dtype and LoRA settings; adapters seeded by {@code seed}. */
    public org.visualrft.model.policy.LoadOptions loadOptions(org.visualrft.model.tensor.Device d) {
        return modelArgs.loadOptions(d, seed);
    }

    /**
     * Optimiser steps of the run: max_steps, or epochs × ceil(dataset / global batch), where a step draws the global
     * batch, per-device batch × accumulation × {@code worldSize} examples (so an epoch is one pass over the data on any
     * number of ranks, as in Hugging Face's Trainer).
     */
    public int totalSteps(int datasetSize, int worldSize) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        long perStep = (long) perDeviceTrainBatchSize * gradientAccumulationSteps * worldSize;
        int stepsPerEpoch = (int) Math.max(1, (datasetSize + perStep - 1) / perStep);
        return Math.max(1, (int) Math.ceil(numTrainEpochs * stepsPerEpoch));
    }

    /** The folder TensorBoard's event files go to, or null when the run does not report to TensorBoard. */
    public java.nio.file.Path tensorBoardDir() {
        if (!reportTo.contains(ReportTo.TENSORBOARD)) {
            return null;
        }
        return loggingDir != null ? java.nio.file.Path.of(loggingDir)
                : java.nio.file.Path.of(outputDir).resolve("tensorboard");
    }

    /** Warm-up steps: warmup_steps when set, else ceil(warmup_ratio × total). */
    public int warmup(int totalSteps) {
        return warmupSteps > 0 ? warmupSteps : (int) Math.ceil(warmupRatio * totalSteps);
    }

    /** The settings as YAML-named pairs (for provenance). */
    java.util.Map<String, Object> asYaml() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("model", model);
        m.put("dataset", dataset);
        m.put("eval_dataset", evalDataset);
        m.put("output_dir", outputDir);
        m.put("learning_rate", learningRate);
        m.put("lr_scheduler_type", lrSchedulerType.yamlName());
        m.put("lr_scheduler_kwargs", lrSchedulerType == ScheduleType.COSINE_WITH_MIN_LR
                ? java.util.Map.of("min_lr_rate", minLrRate) : null);
        m.put("warmup_steps", warmupSteps);
        m.put("warmup_ratio", warmupRatio);
        m.put("weight_decay", weightDecay);
        m.put("adam_beta1", adamBeta1);
        m.put("adam_beta2", adamBeta2);
        m.put("adam_epsilon", adamEpsilon);
        m.put("max_grad_norm", maxGradNorm);
        m.put("per_device_train_batch_size", perDeviceTrainBatchSize);
        m.put("gradient_accumulation_steps", gradientAccumulationSteps);
        m.put("num_train_epochs", numTrainEpochs);
        m.put("max_steps", maxSteps);
        m.put("save_steps", saveSteps);
        m.put("save_total_limit", saveTotalLimit);
        m.put("save_only_model", saveOnlyModel);
        m.put("logging_steps", loggingSteps);
        m.put("eval_steps", evalSteps);
        m.put("eval_limit", evalLimit);
        m.put("eval_on_start", evalOnStart);
        m.put("seed", seed);
        m.put("threads", threads);
        m.put("image_column", columns.image());
        m.put("problem_column", columns.problem());
        m.put("solution_column", columns.solution());
        m.put("skip_bad_rows", skipBadRows);
        m.put("device", device.name());
        m.put("gradient_checkpointing", gradientCheckpointing);
        m.put("zero_stage", zeroStage);
        m.put("report_to", reportTo.isEmpty() ? "none" : reportTo);
        m.put("logging_dir", loggingDir);
        m.put("metric_for_best_model", metricForBestModel == null ? null : "eval/" + metricForBestModel);
        m.put("greater_is_better", metricForBestModel == null ? null : greaterIsBetter);
        m.put("system_prompt", systemPrompt);
        m.putAll(modelArgs.asYaml());
        return m;
    }

    static void positive(YamlFields y, String key, double v, boolean allowZero) {
        if (v < 0 || (!allowZero && v == 0)) {
            throw y.fault(key, "must be " + (allowZero ? "0 or more" : "positive") + ", got " + v);
        }
    }

    /** A token length in 1..{@link org.visualrft.core.Limits#MAX_TOKENS}. */
    static void tokens(YamlFields y, String key, int v) {
        if (v < 1 || v > org.visualrft.core.Limits.MAX_TOKENS) {
            throw y.fault(key, "must be between 1 and " + org.visualrft.core.Limits.MAX_TOKENS + ", got " + v);
        }
    }

    static void atLeast1(YamlFields y, String key, int v) {
        if (v < 1) {
            throw y.fault(key, "must be at least 1, got " + v);
        }
    }
}
