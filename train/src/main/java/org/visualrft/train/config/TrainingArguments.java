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
 * @param modelArgs how the model is opened: torch_dtype and the LoRA settings
 */
public record TrainingArguments(
        String model, String dataset, String evalDataset, String outputDir,
        double learningRate, ScheduleType lrSchedulerType, int warmupSteps, double warmupRatio,
        double weightDecay, double adamBeta1, double adamBeta2, double adamEpsilon, double maxGradNorm,
        int perDeviceTrainBatchSize, int gradientAccumulationSteps, double numTrainEpochs, int maxSteps,
        int saveSteps, int saveTotalLimit, int loggingSteps, int evalSteps, int evalLimit, long seed, int threads,
        ColumnNames columns, boolean skipBadRows, org.visualrft.model.tensor.Device device,
        boolean gradientCheckpointing, int zeroStage, ModelArguments modelArgs) {

    static final List<String> KEYS = Stream.concat(Stream.of("model", "dataset", "eval_dataset", "output_dir",
            "learning_rate",
            "lr_scheduler_type", "warmup_steps", "warmup_ratio", "weight_decay", "adam_beta1", "adam_beta2",
            "adam_epsilon", "max_grad_norm", "per_device_train_batch_size", "gradient_accumulation_steps",
            "num_train_epochs", "max_steps", "save_steps", "save_total_limit", "logging_steps", "eval_steps",
            "eval_limit", "seed", "threads", "image_column", "problem_column", "solution_column", "skip_bad_rows",
            "device", "gradient_checkpointing", "zero_stage"), ModelArguments.KEYS.stream()).toList();

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
        double lr = y.number("learning_rate", defaultLr);
        ScheduleType sched = ScheduleType.valueOf(y.choice("lr_scheduler_type", "linear",
                List.of("constant", "linear", "cosine")).toUpperCase(java.util.Locale.ROOT));
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
        int logSteps = y.integer("logging_steps", 1);
        int evalSteps = y.integer("eval_steps", 0);
        int evalLimit = y.integer("eval_limit", 0);
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
        ModelArguments modelArgs = ModelArguments.read(y);

        positive(y, "learning_rate", lr, true);
        if (warmupSteps < 0) {
            throw y.fault("warmup_steps", "must be 0 or more, got " + warmupSteps);
        }
        if (warmupRatio < 0 || warmupRatio >= 1) {
            throw y.fault("warmup_ratio", "must be in [0, 1), got " + warmupRatio);
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
        if (evalDataset == null && evalSteps > 0) {
            throw y.fault("eval_steps", "is " + evalSteps + " but no eval_dataset is set (nothing to evaluate); set "
                    + "eval_dataset, or remove eval_steps");
        }
        if (evalDataset == null && evalLimit > 0) {
            throw y.fault("eval_limit", "is " + evalLimit + " but no eval_dataset is set (nothing to evaluate); set "
                    + "eval_dataset, or remove eval_limit");
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
        return new TrainingArguments(model, dataset, evalDataset, outputDir, lr, sched, warmupSteps, warmupRatio,
                wd, b1, b2, eps, clip, batch, ga, epochs, maxSteps, saveSteps, saveLimit, logSteps, evalSteps,
                evalLimit, seed, threads, columns, skipBadRows, device, gradientCheckpointing, zeroStage, modelArgs);
    }

    /** The same settings on another device (the CLI's {@code --device} overrides the YAML's). */
    public TrainingArguments onDevice(org.visualrft.model.tensor.Device d) {
        return new TrainingArguments(model, dataset, evalDataset, outputDir, learningRate, lrSchedulerType, warmupSteps,
                warmupRatio, weightDecay, adamBeta1, adamBeta2, adamEpsilon, maxGradNorm, perDeviceTrainBatchSize,
                gradientAccumulationSteps, numTrainEpochs, maxSteps, saveSteps, saveTotalLimit, loggingSteps, evalSteps,
                evalLimit, seed, threads, columns, skipBadRows, d, gradientCheckpointing, zeroStage, modelArgs);
    }

    /** What the model loader is given: the device, torch_dtype and LoRA settings; adapters seeded by {@code seed}. */
    public org.visualrft.model.policy.LoadOptions loadOptions(org.visualrft.model.tensor.Device d) {
        return modelArgs.loadOptions(d, seed);
    }

    /** Optimiser steps of the run: max_steps, or epochs × ceil(dataset / (batch × accumulation)). */
    public int totalSteps(int datasetSize) {
        if (maxSteps > 0) {
            return maxSteps;
        }
        int perStep = perDeviceTrainBatchSize * gradientAccumulationSteps;
        int stepsPerEpoch = Math.max(1, (datasetSize + perStep - 1) / perStep);
        return Math.max(1, (int) Math.ceil(numTrainEpochs * stepsPerEpoch));
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
        m.put("logging_steps", loggingSteps);
        m.put("eval_steps", evalSteps);
        m.put("eval_limit", evalLimit);
        m.put("seed", seed);
        m.put("threads", threads);
        m.put("image_column", columns.image());
        m.put("problem_column", columns.problem());
        m.put("solution_column", columns.solution());
        m.put("skip_bad_rows", skipBadRows);
        m.put("device", device.name());
        m.put("gradient_checkpointing", gradientCheckpointing);
        m.put("zero_stage", zeroStage);
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
