package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.Device;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.optim.TrainingMemory;

/**
 * {@code doctor --model DIR}: opens a model folder as a GRPO run would (its config's torch_dtype, LoRA and
 * freeze_vision_modules settings, or the defaults), answers one prompt greedily to show that tokenizer, processor,
 * chat template and weights work together, and reports what a run holds per rank for the model before activations
 * ({@link TrainingMemory}) against the device's memory.
 */
final class ModelCheck {
    /** Greedy tokens of the check's answer: enough to show the model writes text, cheap on a CPU. */
    static final int ANSWER_TOKENS = 16;
    static final String QUESTION = "Describe this image.";
    private static final double GIB = 1L << 30;

    private final Path dir;
    private final Path config;
    private final int nproc;
    private final String deviceName;

    ModelCheck(Path dir, Path config, int nproc, String deviceName) {
        this.dir = dir;
        this.config = config;
        this.nproc = nproc;
        this.deviceName = deviceName;
    }

    void report(PrintWriter out) {
        GrpoConfig cfg = config != null ? GrpoConfig.load(config) : defaults(dir);
        Device device = device(cfg);
        LoadOptions options = cfg.args().loadOptions(device);
        long t0 = System.nanoTime();
        try (Policy policy = ModelLoader.load(dir, options)) {
            double openSeconds = (System.nanoTime() - t0) / 1e9;
            List<Parameter> all = policy.parameters();
            List<Parameter> trained = policy.trainableParameters();
            TrainingMemory plan = TrainingMemory.of(all, trained, options.lora() != null, cfg.beta() != 0, nproc,
                    cfg.args().zeroStage() == 1);
            out.printf(Locale.ROOT, "model       %s: %s, %,d parameters%s (%s), on %s, opened in %.1f s%n", dir,
                    policy.modelType(), plan.parameters(), plan.parameters() >= 1e8
                    ? String.format(Locale.ROOT, " = %.2f B", plan.parameters() / 1e9) : "", dtypes(all), device,
                    openSeconds);
            out.printf(Locale.ROOT, "prompt      chat template: %s%n", policy.promptTemplate());
            out.flush();
            answer(policy, out);
            out.printf(Locale.ROOT, "training    %s: %,d of %,d parameters (%.2f%%)%n", mode(options),
                    plan.trained(), plan.parameters(), 100.0 * plan.trained() / Math.max(1, plan.parameters()));
            out.printf(Locale.ROOT, "memory      per rank%s: weights %s, reference %s%s, gradients %s, AdamW state %s"
                    + " = %s before activations%n", plan.worldSize() > 1 ? " (ZeRO-1 over " + plan.worldSize() + ")"
                    : nproc > 1 ? " (" + nproc + " ranks, each the whole state)" : "", size(plan.weightBytes()),
                    size(plan.referenceBytes()), cfg.beta() == 0 ? " (beta 0: none)" : "",
                    size(plan.gradientBytes()), size(plan.optimizerBytes()), size(plan.totalBytes()));
            long largest = trained.stream().mapToLong(t -> t.value().numel()).max().orElse(0);
            if (largest > 0) { // bench/train/optimizer-memory.sh: 8 bytes per element of the largest, measured
                out.printf(Locale.ROOT, "            and while AdamW's update runs, about %s more (8 bytes per element"
                        + " of the largest trained tensor)%n", size(8 * largest));
            }
            capacity(device, plan.totalBytes(), out);
        }
    }

    /** The defaults of a GRPO config naming only this model (its dataset and output are never read here). */
    private static GrpoConfig defaults(Path dir) {
        String quoted = "'" + dir.toString().replace("'", "''") + "'";
        return GrpoConfig.parse("doctor --model", "model: " + quoted + "\ndataset: unused.jsonl\noutput_dir: unused\n");
    }

    private Device device(GrpoConfig cfg) {
        if (deviceName == null) {
            return cfg.args().device();
        }
        try {
            return Device.parse(deviceName);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--device", "must be cpu, cuda or cuda:N, got '" + deviceName + "'");
        }
    }

    /** One greedy answer about a synthetic image: the whole path a rollout takes, timed. */
    private static void answer(Policy policy, PrintWriter out) {
        Prompt prompt = new Prompt(testImage(), QUESTION);
        SamplingParams greedy = SamplingParams.greedy(ANSWER_TOKENS).within(policy.contextLength(),
                policy.promptLength(prompt));
        long t0 = System.nanoTime();
        Rollout r = policy.generate(prompt, 1, greedy, new SplittableRandom(0)).get(0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "answer      %d tokens in %.2f s (prompt %d positions, 448x448 test image): %s%n",
                r.length(), seconds, policy.promptLength(prompt), ErrorLines.oneLine(r.text()));
        out.flush();
    }

    /** A 448 × 448 colour gradient with a square: an image every processor takes, made here (no file needed). */
    static Image testImage() {
        int side = 448;
        float[] px = new float[side * side * 3];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int i = (y * side + x) * 3;
                boolean square = x > 150 && x < 300 && y > 150 && y < 300;
                px[i] = square ? 0.9f : x / (float) side;
                px[i + 1] = square ? 0.1f : y / (float) side;
                px[i + 2] = square ? 0.1f : 0.5f;
            }
        }
        return new Image(side, side, 3, px);
    }

    private static String dtypes(List<Parameter> ps) {
        TreeSet<String> names = new TreeSet<>();
        ps.forEach(p -> names.add(switch (p.value().dtype()) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> p.value().dtype().name().toLowerCase(Locale.ROOT);
        }));
        return String.join(", ", names);
    }

    private static String mode(LoadOptions options) {
        if (options.lora() != null) {
            return "LoRA r" + options.lora().rank() + " on " + options.lora().describeTargets()
                    + (options.lora().visionTower() ? " (language model and vision tower)" : "");
        }
        return "full fine-tuning";
    }

    /** The plan against the memory of the device the run would use. */
    private static void capacity(Device device, long need, PrintWriter out) {
        long have;
        String where;
        if (device.isCpu()) {
            java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean();
            if (!(os instanceof com.sun.management.OperatingSystemMXBean sun)) {
                return;
            }
            have = sun.getTotalMemorySize();
            where = "this machine's memory";
        } else {
            Cuda.Gpu gpu = Cuda.gpus().get(device.index());
            have = gpu.memoryBytes();
            where = device + " (" + gpu.name() + ")";
        }
        out.printf(Locale.ROOT, "capacity    %s holds %s: %s%n", where, size(have), need <= have
                ? size(have - need) + " left for activations and caches"
                : size(need - have) + " short before activations (use_peft, zero_stage: 1 over more ranks,"
                        + " freeze_vision_modules or torch_dtype: bfloat16 need less)");
    }

    /** Bytes in the largest binary unit that keeps a digit before the point (GiB, MiB, KiB). */
    static String size(long bytes) {
        if (bytes >= (1L << 30)) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / GIB);
        }
        if (bytes >= (1L << 20)) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes == 0 ? "0" : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
}
