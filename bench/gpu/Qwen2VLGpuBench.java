import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.Generation;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.Qwen2VL;
import org.visualrft.model.qwen2vl.Qwen2VLConfig;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.RandomWeights;
import org.visualrft.model.qwen2vl.StaticDecoder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.config.LossAggregation;
import org.visualrft.train.grpo.GrpoLoss;
import org.visualrft.train.optim.AdamW;

/**
 * Qwen2-VL on a GPU, the workload of the transformers anchor (bench/peer/qwen2vl_hf_gpu.py prints the same rows):
 * Qwen2-VL-2B shapes with random weights in bf16, one 448×448 image (256 image tokens) + text = 318 prompt tokens,
 * G = 8 samples × 256 new tokens at temperature 1 (top-k off, EOS ignored so every row has 256 tokens).
 *
 * Rows: rollout with the static-cache engine replaying a CUDA graph, for each decode step asked for (fused: stacked
 * projections and merged adapters, the default; unfused: the earlier step, for comparison), with the launches of one
 * step (libtorch calls per layer and the nodes of its CUDA graph); the fused engine eagerly (no graph); the dynamic
 * cache with host-side sampling (a few tokens, per-step cost); forward+backward of the 8 × 574 tokens with all
 * language-model weights trainable and with LoRA r16 on the seven projections (peak allocated GPU memory); rollouts
 * with those adapters (merged by the fused step, run as extra matmuls by the unfused one); one whole GRPO step of 8
 * groups (sample, reward, reference, policy forward+backward, AdamW) with LoRA, with its breakdown, its groups'
 * rollouts one after another and batched in one decode ({@code rollout_batch_groups: 8}). With {@code --groups N}
 * (default 8; below 2 none) also N prompts' groups batched in one decode ({@code rollout_batch_groups}: prompts of
 * 318, 325, ... tokens, N × G rows a step, {@link StaticDecoder#sampleGroups}) replaying a CUDA graph, per decode step
 * asked for: compare its tokens/s with the one-prompt rows.
 *
 * usage: java -cp CLASSPATH Qwen2VLGpuBench --config bench/qwen2vl/qwen2vl-2b-config.json [--device cuda:0]
 *        [--g 8] [--new 256] [--prompt 318] [--only rollout|train] [--decode both|fused|unfused] [--groups 8]
 */
public class Qwen2VLGpuBench {
    public static void main(String[] args) {
        String config = "bench/qwen2vl/qwen2vl-2b-config.json";
        Device device = Device.parse("cuda:0");
        int g = 8, newTokens = 256, promptTokens = 318, groups = 8;
        String only = "";
        List<StaticDecoder.DecodeStep> steps = List.of(StaticDecoder.DecodeStep.values());
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> config = args[i + 1];
                case "--device" -> device = Device.parse(args[i + 1]);
                case "--g" -> g = Integer.parseInt(args[i + 1]);
                case "--new" -> newTokens = Integer.parseInt(args[i + 1]);
                case "--prompt" -> promptTokens = Integer.parseInt(args[i + 1]);
                case "--only" -> only = args[i + 1];
                case "--groups" -> groups = Integer.parseInt(args[i + 1]);
                case "--decode" -> steps = args[i + 1].equals("both") ? List.of(StaticDecoder.DecodeStep.values())
                        : List.of(StaticDecoder.DecodeStep.valueOf(args[i + 1].toUpperCase(java.util.Locale.ROOT)));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Engine.load();
        Cuda.require(device);
        Qwen2VLConfig c = Qwen2VLConfig.load(Path.of(config));
        long t0 = System.nanoTime();
        Qwen2VL model = RandomWeights.model(c, DType.BF16, 1234, device);
        System.out.printf("java: %s, random %d-layer Qwen2-VL in bf16 on %s in %.1f s%n", device.isCuda() ? Cuda.gpus().get(device.index()).name() : "cpu",
                c.numLayers(), device, secs(t0));

        ImageProcessor proc = model.processor().withPixels(3136, 401408);
        int side = 448;
        byte[] rgb = new byte[side * side * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) ((i * 31 + (i / (side * 3)) * 17) & 0xff);
        }
        ImageProcessor.Patches patches = proc.process(new RgbImage(side, side, rgb));
        int imageTokens = patches.tokenCount(proc.mergeSize());
        int text = promptTokens - (imageTokens + 21); // the chat template around the image pads takes 21 tokens
        int[] prompt = Qwen2VLBench.promptIds(c, imageTokens, text, new Random(5));
        List<int[]> grids = List.of(new int[] {patches.gridT(), patches.gridH(), patches.gridW()});
        System.out.printf("prompt %d tokens (%d image), G=%d x %d new tokens%n", prompt.length, imageTokens, g, newTokens);
        SamplingParams sampling = new SamplingParams(1.0, 0, 1.0, newTokens);
        // each row is printed as soon as it is measured: a run stopped by its time limit keeps the rows it finished
        System.out.println();
        System.out.println("| java (visual-rft) | seconds | rate / peak |");
        System.out.println("| --- | ---: | ---: |");
        Rows rows = new Rows();

        StaticDecoder.DecodeStep main = steps.get(0); // the eager row and the GRPO step use the first one asked for
        if (!only.equals("train")) {
            try (NativeScope s = NativeScope.open()) {
                Tensor img = model.encodeImages(List.of(patches), null);
                for (StaticDecoder.DecodeStep step : steps) {
                    rows.add(launches(step, model, prompt, grids, img, g));
                    graphRollouts(rows, "", step, model, prompt, grids, img, g, sampling, device, 3);
                }
                if (groups > 1) {
                    List<int[]> prompts = new ArrayList<>();
                    for (int i = 0; i < groups; i++) {
                        prompts.add(Qwen2VLBench.promptIds(c, imageTokens, text + 7 * i, new Random(5 + i)));
                    }
                    for (StaticDecoder.DecodeStep step : steps) {
                        batchedRollouts(rows, step, model, prompts, grids, img, g, sampling, device, 2);
                    }
                }
                Cuda.synchronize(device);
                long a = System.nanoTime();
                List<DecodeLoop.Sample> eager = StaticDecoder.sample(model, prompt, grids, img, g, sampling, new int[0],
                        new SplittableRandom(9), true, false, main);
                double t = secs(a);
                rows.add(rate("rollout, static cache, eager (no graph), " + name(main), t, count(eager)));
                int few = Math.min(32, newTokens);
                a = System.nanoTime();
                List<DecodeLoop.Sample> dyn = Generation.sample(model, prompt, grids, img, g,
                        new SamplingParams(1.0, 0, 1.0, few), new int[0], new SplittableRandom(3), null, true);
                t = secs(a);
                rows.add(rate("rollout, dynamic cache + host sampling (" + few + " tokens)", t, count(dyn)));
            }
        }
        if (!only.equals("rollout")) {
            // every weight, the vision tower included: what transformers' full-parameter row trains, and the trainer's
            // default (freeze_vision_modules: false)
            Qwen2VLPolicy whole = Qwen2VLPolicy.withVisionTrained(model, null, null, c.eosTokenIds());
            rows.add(fwdBwd("forward+backward, every weight trainable (vision tower too)", model, whole, prompt, grids,
                    patches, g, newTokens, device, true));
            for (Parameter p : whole.trainableParameters()) {
                p.value().requiresGrad(false);
                p.value().clearGrad(); // freed: the next rows' peak memory must not hold this row's gradients
            }
            Qwen2VLPolicy full = Qwen2VLPolicy.of(model, null, null, c.eosTokenIds());
            rows.add(fwdBwd("forward+backward, all LM weights trainable", model, full, prompt, grids, patches, g, newTokens, device, false));
            for (Parameter p : full.trainableParameters()) {
                p.value().requiresGrad(false);
                p.value().clearGrad(); // freed: the next rows' peak memory must not hold this row's gradients
            }
            try (Generator gen = Generator.seeded(99)) {
                model.attachLora(LoraConfig.allLinear(16, 32), gen);
            }
            Qwen2VLPolicy lora = Qwen2VLPolicy.of(model, null, null, c.eosTokenIds());
            rows.add(fwdBwd("forward+backward, LoRA r16 (7 projections)", model, lora, prompt, grids, patches, g, newTokens, device, false));
            try (NativeScope s = NativeScope.open()) {
                Tensor img = model.encodeImages(List.of(patches), null);
                for (StaticDecoder.DecodeStep step : steps) {
                    rows.add(launches(step, model, prompt, grids, img, g));
                    graphRollouts(rows, "LoRA r16, ", step, model, prompt, grids, img, g, sampling, device, 2);
                }
            }
            grpoStep(rows, model, lora, prompt, grids, patches, GRPO_GROUPS, g, sampling, device, main, false);
            // the trainer with rollout_batch_groups: 8, its groups' rollouts in one decode
            grpoStep(rows, model, lora, prompt, grids, patches, GRPO_GROUPS, g, sampling, device, main, true);
        }
    }

    /** The prompts of the GRPO step (a group of G rollouts each): the whole step of 8 groups. */
    static final int GRPO_GROUPS = 8;

    /** The table's rows, each printed when it is added. */
    static final class Rows {
        void add(String[] r) {
            System.out.printf("| %s | %s | %s |%n", r[0], r[1], r[2]);
        }
    }

    static String name(StaticDecoder.DecodeStep step) {
        return step.name().toLowerCase(java.util.Locale.ROOT) + " step";
    }

    /** Rollouts replaying a CUDA graph (the first pays the cuBLAS/allocator warm-up and the capture). */
    static void graphRollouts(Rows rows, String what, StaticDecoder.DecodeStep step, Qwen2VL model, int[] prompt,
                              List<int[]> grids, Tensor img, int g, SamplingParams sampling, Device device, int runs) {
        for (int i = 0; i < runs; i++) {
            Cuda.synchronize(device);
            long a = System.nanoTime();
            List<DecodeLoop.Sample> out = StaticDecoder.sample(model, prompt, grids, img, g, sampling, new int[0],
                    new SplittableRandom(i), true, true, step);
            double t = secs(a);
            rows.add(rate("rollout, " + what + "static cache + CUDA graph, " + name(step) + (i == 0 ? " (first call)" : ""),
                    t, count(out)));
        }
    }

    /** Several prompts' groups in one decode replaying a CUDA graph (the first call pays the capture). */
    static void batchedRollouts(Rows rows, StaticDecoder.DecodeStep step, Qwen2VL model, List<int[]> prompts,
                                List<int[]> grids, Tensor img, int g, SamplingParams sampling, Device device, int runs) {
        int n = prompts.size();
        for (int i = 0; i < runs; i++) {
            List<java.util.random.RandomGenerator> rngs = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                rngs.add(new SplittableRandom(100L * i + k));
            }
            Cuda.synchronize(device);
            long a = System.nanoTime();
            List<List<DecodeLoop.Sample>> out = StaticDecoder.sampleGroups(model, prompts,
                    java.util.Collections.nCopies(n, grids), java.util.Collections.nCopies(n, img), g, sampling,
                    new int[0], rngs, true, true, step);
            double t = secs(a);
            int tokens = 0;
            for (List<DecodeLoop.Sample> group : out) {
                tokens += count(group);
            }
            rows.add(rate("rollout, " + n + " groups batched (" + n * g + " rows, prompts " + prompts.get(0).length
                    + "-" + prompts.get(n - 1).length + " tokens), static cache + CUDA graph, " + name(step)
                    + (i == 0 ? " (first call)" : ""), t, tokens));
        }
    }

    /** What one decode step launches: libtorch calls (per layer) and the nodes of its CUDA graph. */
    static String[] launches(StaticDecoder.DecodeStep step, Qwen2VL model, int[] prompt, List<int[]> grids, Tensor img,
                             int g) {
        StaticDecoder.StepCount n = StaticDecoder.countDecodeStep(model, prompt, grids, img, g, true, step);
        int layers = model.config().numLayers();
        return new String[] {"decode step launches, " + name(step) + (model.lora() != null ? " (LoRA)" : ""), "",
            String.format("%d calls (%.1f per layer) + %d views; %d CUDA graph nodes", n.step().ops(),
                    n.layers().ops() / (double) layers, n.step().views(), n.graphNodes())};
    }

    static String[] fwdBwd(String what, Qwen2VL model, Qwen2VLPolicy policy, int[] prompt, List<int[]> grids,
                           ImageProcessor.Patches patches, int g, int newTokens, Device device, boolean visionTrains) {
        List<int[]> completions = randomCompletions(g, newTokens, model.config().vocabSize());
        List<Tensor> params = new ArrayList<>();
        for (Parameter p : policy.trainableParameters()) {
            params.add(p.value());
        }
        double best = Double.MAX_VALUE;
        long peak = 0;
        for (int i = 0; i < 3; i++) {
            Cuda.synchronize(device);
            Cuda.resetPeakMemory(device);
            long a = System.nanoTime();
            try (NativeScope s = NativeScope.open()) {
                Tensor img = model.encodeImages(List.of(patches), null, visionTrains);
                GroupLogProbs lp = policy.groupLogProbs(prompt, grids, img, completions);
                lp.logProbs().mul(lp.mask()).sum().neg().backward();
            }
            Cuda.synchronize(device);
            double t = secs(a);
            if (i > 0) {
                best = Math.min(best, t);
            }
            peak = Math.max(peak, Cuda.peakAllocatedBytes(device));
            for (Tensor p : params) {
                p.clearGrad(); // as the peer's zero_grad(set_to_none=True)
            }
        }
        return row(what + " (" + g + " x " + (prompt.length + newTokens) + " tokens)", best,
                String.format("peak %.1f GiB", peak / 1073741824.0));
    }

    /**
     * Two GRPO steps of {@code groups} prompts × G rollouts with LoRA, timed by phase: rollout (image, sampling, the
     * stand-in reward), reference log-probs, policy forward+backward, AdamW. {@code batched}: the groups' rollouts in
     * one decode ({@code rollout_batch_groups}), else one group after another.
     */
    static void grpoStep(Rows rows, Qwen2VL model, Qwen2VLPolicy policy, int[] prompt, List<int[]> grids,
                         ImageProcessor.Patches patches, int groups, int g, SamplingParams sampling, Device device,
                         StaticDecoder.DecodeStep decode, boolean batched) {
        List<Tensor> params = new ArrayList<>();
        for (Parameter p : policy.trainableParameters()) {
            params.add(p.value());
        }
        Qwen2VLPolicy reference = (Qwen2VLPolicy) policy.frozenCopy();
        GrpoLoss loss = new GrpoLoss(0.04, LossAggregation.SEQ_MEAN_TOKEN_MEAN, null, 0.2, 1.0);
        try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0)) {
            for (int step = 0; step < 2; step++) {
                double tRoll = 0, tRef = 0, tFwdBwd = 0;
                Cuda.synchronize(device);
                long s0 = System.nanoTime();
                opt.zeroGrad();
                try (NativeScope whole = NativeScope.open()) {
                    List<Tensor> images = new ArrayList<>();
                    List<List<DecodeLoop.Sample>> samples = new ArrayList<>();
                    if (batched) {
                        long a = System.nanoTime();
                        List<java.util.random.RandomGenerator> rngs = new ArrayList<>();
                        for (int k = 0; k < groups; k++) {
                            images.add(model.encodeImages(List.of(patches), null));
                            rngs.add(new SplittableRandom(step * 100 + k));
                        }
                        samples = StaticDecoder.sampleGroups(model, java.util.Collections.nCopies(groups, prompt),
                                java.util.Collections.nCopies(groups, grids), images, g, sampling, new int[0], rngs, true,
                                true, decode);
                        tRoll += secs(a);
                    }
                    for (int k = 0; k < groups; k++) {
                        try (NativeScope s = NativeScope.open()) {
                            long a = System.nanoTime();
                            Tensor img = batched ? images.get(k) : model.encodeImages(List.of(patches), null);
                            List<DecodeLoop.Sample> out = batched ? samples.get(k) : StaticDecoder.sample(model, prompt,
                                    grids, img, g, sampling, new int[0], new SplittableRandom(step * 100 + k), true, true,
                                    decode);
                            List<int[]> completions = new ArrayList<>();
                            double[] rewards = new double[out.size()];
                            for (int i = 0; i < out.size(); i++) {
                                completions.add(out.get(i).tokens());
                                rewards[i] = (out.get(i).tokens()[0] % 7) / 7.0; // a stand-in verifiable reward
                            }
                            tRoll += secs(a);
                            a = System.nanoTime();
                            Tensor ref;
                            try (Tensor.GradMode ng = Tensor.noGrad()) {
                                ref = reference.groupLogProbs(prompt, grids, img, completions).logProbs();
                            }
                            Cuda.synchronize(device);
                            tRef += secs(a);
                            a = System.nanoTime();
                            GroupLogProbs lp = policy.groupLogProbs(prompt, grids, img, completions);
                            GrpoLoss.Result r = loss.compute(lp.logProbs(), null, ref, lp.mask(), Qwen2VLBench.advantages(rewards));
                            r.loss().mul(1.0 / groups).backward();
                            Cuda.synchronize(device);
                            tFwdBwd += secs(a);
                        }
                    }
                }
                long a = System.nanoTime();
                opt.step(1e-5);
                Cuda.synchronize(device);
                double tOpt = secs(a);
                double total = secs(s0);
                rows.add(row(String.format("GRPO step %d, %d groups x %d%s (LoRA, " + name(decode) + "): rollout %.2f"
                        + " + reference %.2f + policy fwd+bwd %.2f + AdamW %.3f s", step + 1, groups, g,
                        batched ? " batched in one decode" : "", tRoll, tRef, tFwdBwd, tOpt), total, ""));
            }
        }
    }

    static List<int[]> randomCompletions(int g, int n, int vocab) {
        Random r = new Random(11);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < g; i++) {
            int[] c = new int[n];
            for (int j = 0; j < n; j++) {
                c[j] = r.nextInt(Math.min(vocab, 150000));
            }
            out.add(c);
        }
        return out;
    }

    static int count(List<DecodeLoop.Sample> s) {
        int n = 0;
        for (DecodeLoop.Sample x : s) {
            n += x.tokens().length;
        }
        return n;
    }

    static String[] row(String what, double seconds, String note) {
        return new String[] {what, String.format("%.3f", seconds), note};
    }

    /** A rollout row: {@code tokens} sampled in {@code seconds}. */
    static String[] rate(String what, double seconds, int tokens) {
        return row(what, seconds, String.format("%,.0f tok/s", tokens / seconds));
    }

    static double secs(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}
