import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.StaticDecoder;
import org.visualrft.model.qwenvl.QwenVl;
import org.visualrft.model.qwenvl.QwenVlConfig;
import org.visualrft.model.qwenvl.QwenVlGeneration;
import org.visualrft.model.qwenvl.QwenVlGroups;
import org.visualrft.model.qwenvl.QwenVlPolicy;
import org.visualrft.model.qwenvl.QwenVlWeights;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * One LoRA GRPO step of a Qwen2.5-VL or Qwen3-VL configuration with random weights (bf16, or f32 with {@code --dtype
 * f32}: the CPU's float32 kernels are much faster than its bfloat16 ones): rollout of G samples,
 * reference log-probs (adapters off), policy log-probs with autograd, loss, backward. Prints time per phase and the
 * resident memory after each, and the peak (VmHWM): the measured row of docs/models.md's memory plan. With
 * {@code --device cuda} the weights are drawn on the CPU and moved to the GPU, the rollout runs the engine a GPU run
 * samples with (the static cache and its CUDA graph; the device decode loop with {@code -Dvrft.decode.static=false}),
 * each phase is timed up to a device synchronisation, and the GPU's peak allocated memory is printed too.
 *
 * <p>With {@code --prompts P} (P > 1) it measures {@code rollout_batch_groups} instead: the rollouts of P prompts (text
 * lengths T, T+3, …: different prompt lengths) one prompt after another ({@link QwenVlGeneration}, the peer) against
 * all P groups in one decode ({@link QwenVlGroups}), the same draws, {@code --repeat} times each, alternating.
 *
 * <p>With {@code --engines P} it compares the rollout engines on P prompts (1 or more) × G, LoRA merged: the
 * growing-cache device loop ({@link QwenVlGroups#sampleOnDevice}) against the static-cache engine
 * ({@link QwenVlGroups#sampleStatic}) eager and, on CUDA, with its decode step replayed as a CUDA graph (what a GPU
 * run samples with).
 *
 * usage: bench/qwenvl/run.sh --config CONFIG.json [--image PX] [--group G] [--new N] [--text T] [--rank R] [--threads N]
 *        [--device cpu|cuda[:N]] [--prompts P [--repeat R]] [--engines P [--repeat R]] [--checkpointing 0|1]
 *        [--tower 0|1 [--tower-checkpointing 0|1]] [--dtype bf16|f32]
 *
 * <p>{@code --checkpointing 1} turns on activation checkpointing ({@code gradient_checkpointing}) for the policy's
 * forward with autograd: compare the peak memory and the forward and backward times with {@code 0}.
 *
 * <p>{@code --tower 1} trains the vision tower too (its weights need gradients; LoRA stays on the language model, so
 * that the tower's share stands out): the policy's forward encodes the image again with autograd, its blocks
 * checkpointed when {@code --tower-checkpointing} (default: {@code --checkpointing}) is 1. {@code --checkpointing 1
 * --tower-checkpointing 0} is the language model's layers alone checkpointed (what a trained tower had before its
 * blocks were checkpointed too).
 */
public class QwenVlBench {
    public static void main(String[] args) throws Exception {
        Path configFile = null;
        int px = 256, g = 2, newTokens = 16, text = 32, rank = 16, threads = 2, prompts = 1, repeat = 3, engines = 0;
        boolean checkpointing = false;
        boolean tower = false;
        Boolean towerCheckpointing = null;
        Device device = Device.CPU;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> configFile = Path.of(args[i + 1]);
                case "--image" -> px = Integer.parseInt(args[i + 1]);
                case "--group" -> g = Integer.parseInt(args[i + 1]);
                case "--new" -> newTokens = Integer.parseInt(args[i + 1]);
                case "--text" -> text = Integer.parseInt(args[i + 1]);
                case "--rank" -> rank = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--device" -> device = Device.parse(args[i + 1]);
                case "--prompts" -> prompts = Integer.parseInt(args[i + 1]);
                case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
                case "--engines" -> engines = Integer.parseInt(args[i + 1]);
                case "--checkpointing" -> checkpointing = Integer.parseInt(args[i + 1]) != 0;
                case "--dtype" -> weightType = args[i + 1].equals("f32") ? DType.F32 : DType.BF16;
                case "--tower" -> tower = Integer.parseInt(args[i + 1]) != 0;
                case "--tower-checkpointing" -> towerCheckpointing = Integer.parseInt(args[i + 1]) != 0;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Engine.setThreads(threads);
        Cuda.require(device);
        Device on = device;
        QwenVlConfig c = QwenVlConfig.load(configFile);
        long t0 = System.nanoTime();
        QwenVlWeights w;
        try (Generator gen = Generator.seeded(1)) {
            w = QwenVlWeights.from(c, name -> random(c, name, gen, on), name -> new IllegalStateException("no shape for " + name));
        }
        float[] half = {0.5f, 0.5f, 0.5f};
        int factor = c.vision().patchSize() * c.vision().spatialMergeSize();
        ImageProcessor proc = new ImageProcessor(factor * factor, 16384 * factor * factor, c.vision().patchSize(),
                c.vision().temporalPatchSize(), c.vision().spatialMergeSize(), 1.0 / 255, half, half);
        QwenVl model = new QwenVl(c, w, proc);
        try (Generator gen = Generator.seeded(2)) {
            model.attachLora(LoraConfig.allLinear(rank, 2.0 * rank), gen);
        }
        System.out.printf("%s: %d layers, hidden %d, vocab %d; vision depth %d, hidden %d; %s, LoRA r=%d on all seven projections; threads %d; %s%n",
                configFile, c.text().numLayers(), c.text().hiddenSize(), c.text().vocabSize(), c.vision().depth(),
                c.vision().hiddenSize(), weightType == DType.F32 ? "f32" : "bf16", rank, threads, device);
        if (tower) {
            // the tower trains beside the adapters: its weights need gradients (what freeze_vision_modules: false does)
            model.weights().named().forEach((n, t) -> {
                if (n.contains("visual.")) {
                    t.requiresGrad(true);
                }
            });
        }
        boolean towerCheckpointed = tower && (towerCheckpointing == null ? checkpointing : towerCheckpointing);
        System.out.printf("random init + LoRA: %.1f s; rss %s%n", secs(t0), rss());
        byte[] rgb = new byte[px * px * 3];
        new Random(3).nextBytes(rgb);
        ImageProcessor.Patches patches = proc.process(new RgbImage(px, px, rgb));
        if (engines > 0) {
            engines(model, patches, engines, g, newTokens, text, repeat, device);
            model.close();
            return;
        }
        if (prompts > 1) {
            batchedRollouts(model, patches, prompts, g, newTokens, text, repeat, device);
            model.close();
            return;
        }
        int[] prompt = promptIds(c, patches, text);
        List<int[]> grids = List.of(new int[] {patches.gridT(), patches.gridH(), patches.gridW()});
        System.out.printf("prompt: image %dx%d -> %d patches, %d image tokens; %d prompt tokens; G=%d x %d new tokens%n",
                px, px, patches.rows(), patches.tokenCount(c.vision().spatialMergeSize()), prompt.length, g, newTokens);
        try (QwenVlPolicy policy = QwenVlPolicy.of(model, null, null, new int[] {-1}); NativeScope s = NativeScope.open()) {
            policy.gradientCheckpointing(checkpointing);
            System.out.printf("activation checkpointing: %s; vision tower %s%n", checkpointing ? "on" : "off",
                    !tower ? "frozen" : towerCheckpointed ? "trained, blocks checkpointed" : "trained, blocks keep their activations");
            long t = System.nanoTime();
            QwenVl.Images images;
            List<DecodeLoop.Sample> samples;
            try (Tensor.GradMode ng = Tensor.noGrad()) {
                images = model.encodeImages(List.of(patches), null);
                Cuda.synchronize(device);
                double vision = secs(t);
                t = System.nanoTime();
                // eos -1: every sample runs the full length
                SamplingParams sp = new SamplingParams(1.0, 0, 1.0, newTokens);
                // on CUDA the engine a GRPO run samples with (the static cache and its CUDA graph by default)
                samples = !device.isCuda()
                        ? QwenVlGeneration.sample(model, prompt, grids, images, g, sp, new int[] {-1}, new Random(4), null, true)
                        : StaticDecoder.wanted()
                        ? QwenVlGroups.sampleStatic(model, List.of(new QwenVlGroups.Input(prompt, grids, images)), g, sp,
                                new int[] {-1}, List.of(new Random(4)), true, StaticDecoder.useGraph()).get(0)
                        : QwenVlGeneration.sampleOnDevice(model, prompt, grids, images, g, sp, new int[] {-1}, new Random(4), true);
                System.out.printf("vision %.1f s | rollout %.1f s (%.2f sampled tok/s) | rss %s%n", vision, secs(t),
                        g * newTokens / secs(t), rss());
            }
            List<int[]> comps = new ArrayList<>();
            for (DecodeLoop.Sample smp : samples) {
                comps.add(smp.tokens());
            }
            t = System.nanoTime();
            try (var ref = policy.frozenCopy(); Tensor.GradMode ng = Tensor.noGrad()) {
                ((QwenVlPolicy) ref).groupLogProbs(prompt, grids, images, comps);
                Cuda.synchronize(device);
            }
            System.out.printf("reference log-probs %.1f s | rss %s%n", secs(t), rss());
            if (tower) {
                // a trained tower encodes the image again with autograd for the policy's forward
                t = System.nanoTime();
                images = towerCheckpointed ? model.encodeImagesCheckpointed(List.of(patches), false)
                        : model.encodeImages(List.of(patches), null, true);
                Cuda.synchronize(device);
                System.out.printf("vision tower with autograd (%d patches) %.1f s | rss %s%n", patches.rows(), secs(t), rss());
            }
            t = System.nanoTime();
            GroupLogProbs lp = policy.groupLogProbs(prompt, grids, images, comps);
            Cuda.synchronize(device);
            System.out.printf("policy log-probs with autograd (%d x %d tokens) %.1f s | rss %s%n", g, prompt.length + newTokens,
                    secs(t), rss());
            t = System.nanoTime();
            Tensor loss = lp.logProbs().sum().div(-(double) g * newTokens);
            lp.backward(loss); // with checkpointing: the layers run again here
            int withGrad = 0;
            for (Parameter p : policy.trainableParameters()) {
                withGrad += p.value().grad() != null ? 1 : 0;
            }
            int visionWithGrad = 0;
            for (var e : model.weights().named().entrySet()) {
                visionWithGrad += e.getKey().contains("visual.") && e.getValue().grad() != null ? 1 : 0;
            }
            System.out.printf("loss + backward %.1f s (%d adapter tensors, %d vision weights with gradients) | loss %.4e%n",
                    secs(t), withGrad, visionWithGrad, loss.item());
        }
        System.out.printf("peak resident memory (VmHWM): %s%n", status("VmHWM"));
        if (device.isCuda()) {
            System.out.printf("peak GPU memory allocated: %.2f GiB%n", Cuda.peakAllocatedBytes(device) / 1024.0 / 1024 / 1024);
        }
        model.close();
    }

    /** {@code text} text ids around one image of {@code patches}: half before it, half after. */
    static int[] promptIds(QwenVlConfig c, ImageProcessor.Patches patches, int text) {
        int imageTokens = patches.tokenCount(c.vision().spatialMergeSize());
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < text / 2; i++) {
            ids.add(1000 + i);
        }
        ids.add(c.visionStartTokenId());
        for (int i = 0; i < imageTokens; i++) {
            ids.add(c.imageTokenId());
        }
        ids.add(c.visionEndTokenId());
        for (int i = 0; i < text - text / 2; i++) {
            ids.add(2000 + i);
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code prompts} prompts of text lengths T, T+3, … around one image (encoded once, in the caller's scope), the
     * line that describes them printed.
     */
    static List<QwenVlGroups.Input> inputs(QwenVl model, ImageProcessor.Patches patches, int prompts, int g,
                                           int newTokens, int text) {
        List<int[]> grids = List.of(new int[] {patches.gridT(), patches.gridH(), patches.gridW()});
        QwenVl.Images images = model.encodeImages(List.of(patches), null);
        List<QwenVlGroups.Input> in = new ArrayList<>();
        for (int k = 0; k < prompts; k++) {
            in.add(new QwenVlGroups.Input(promptIds(model.config(), patches, text + 3 * k), grids, images));
        }
        System.out.printf("%d prompt(s) of %d to %d tokens (one image of %d tokens), G=%d x %d new tokens, top-k 50%n",
                prompts, in.get(0).ids().length, in.get(prompts - 1).ids().length,
                patches.tokenCount(model.config().vision().spatialMergeSize()), g, newTokens);
        return in;
    }

    /**
     * The rollout engines on {@code prompts} prompts × G rows (text lengths T, T+3, …; eos -1: every row runs the full
     * length; the same draws), LoRA adapters on (merged by the static engine): each timed {@code repeat} times after
     * a warm-up round, alternating, up to a device synchronisation.
     */
    static void engines(QwenVl model, ImageProcessor.Patches patches, int prompts, int g, int newTokens, int text,
                        int repeat, Device device) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<QwenVlGroups.Input> in = inputs(model, patches, prompts, g, newTokens, text);
            SamplingParams sp = new SamplingParams(1.0, 50, 1.0, newTokens);
            int[] eos = {-1};
            List<String> names = new ArrayList<>(List.of("growing cache, device loop (peer)", "static cache, eager"));
            if (device.isCuda()) {
                names.add("static cache + CUDA graph");
            }
            List<List<Double>> times = new ArrayList<>();
            names.forEach(n -> times.add(new ArrayList<>()));
            for (int r = 0; r < repeat + 1; r++) { // the first round warms the JIT and the allocator up
                for (int e = 0; e < names.size(); e++) {
                    List<Random> rngs = new ArrayList<>();
                    for (int k = 0; k < prompts; k++) {
                        rngs.add(new Random(k));
                    }
                    long t = System.nanoTime();
                    try (NativeScope step = NativeScope.open()) {
                        if (e == 0) {
                            QwenVlGroups.sampleOnDevice(model, in, g, sp, eos, rngs, true);
                        } else {
                            QwenVlGroups.sampleStatic(model, in, g, sp, eos, rngs, true, e == 2);
                        }
                        Cuda.synchronize(device);
                    }
                    if (r > 0) {
                        times.get(e).add(secs(t));
                    }
                }
            }
            long tokens = (long) prompts * g * newTokens;
            System.out.printf("| rollout engine, %d x %d x %d tokens | min s | median s | tokens/s (median) | speed-up |%n"
                    + "| --- | ---: | ---: | ---: | ---: |%n", prompts, g, newTokens);
            double peer = 0;
            for (int e = 0; e < names.size(); e++) {
                List<Double> ts = times.get(e);
                ts.sort(null);
                double med = ts.get(ts.size() / 2);
                peer = e == 0 ? med : peer;
                System.out.printf("| %s | %.3f | %.3f | %,.0f | %.2fx |%n", names.get(e), ts.get(0), med, tokens / med,
                        peer / med);
            }
        }
    }

    /**
     * {@code prompts} prompts of G rollouts each, one prompt after another against all in one decode (the same
     * generators; eos -1: every row runs the full length), timed {@code repeat} times each, alternating.
     */
    static void batchedRollouts(QwenVl model, ImageProcessor.Patches patches, int prompts, int g, int newTokens, int text,
                                int repeat, Device device) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<QwenVlGroups.Input> in = inputs(model, patches, prompts, g, newTokens, text);
            SamplingParams sp = new SamplingParams(1.0, 50, 1.0, newTokens);
            int[] eos = {-1};
            List<Double> alone = new ArrayList<>();
            List<Double> together = new ArrayList<>();
            for (int r = 0; r < repeat + 1; r++) { // the first round warms the JIT and the allocator up
                long t = System.nanoTime();
                for (int k = 0; k < prompts; k++) {
                    QwenVlGroups.Input x = in.get(k);
                    if (device.isCuda()) {
                        QwenVlGeneration.sampleOnDevice(model, x.ids(), x.grids(), x.images(), g, sp, eos, new Random(k), true);
                    } else {
                        QwenVlGeneration.sample(model, x.ids(), x.grids(), x.images(), g, sp, eos, new Random(k), null, true);
                    }
                }
                Cuda.synchronize(device);
                double a = secs(t);
                List<Random> rngs = new ArrayList<>();
                for (int k = 0; k < prompts; k++) {
                    rngs.add(new Random(k));
                }
                t = System.nanoTime();
                if (device.isCuda()) {
                    QwenVlGroups.sampleOnDevice(model, in, g, sp, eos, rngs, true);
                } else {
                    QwenVlGroups.sample(model, in, g, sp, eos, rngs, true);
                }
                Cuda.synchronize(device);
                double b = secs(t);
                if (r > 0) {
                    alone.add(a);
                    together.add(b);
                }
            }
            alone.sort(null);
            together.sort(null);
            double medA = alone.get(alone.size() / 2);
            double medB = together.get(together.size() / 2);
            System.out.printf("| rollouts of %d prompts | min s | median s |%n| --- | ---: | ---: |%n", prompts);
            System.out.printf("| one prompt after another (peer) | %.3f | %.3f |%n", alone.get(0), medA);
            System.out.printf("| all groups in one decode | %.3f | %.3f |%n", together.get(0), medB);
            System.out.printf("| ratio (peer / batched) | %.2fx | %.2fx |%n", alone.get(0) / together.get(0), medA / medB);
        }
    }

    /** The random weights' dtype ({@code --dtype}). */
    static DType weightType = DType.BF16;

    /** A random tensor of the shape {@code name} has in configuration {@code c} ({@link #weightType}): weights N(0, 0.02), norms 1, biases 0. */
    static Tensor random(QwenVlConfig c, String name, Generator gen, Device device) {
        boolean q3 = c.family() == QwenVlConfig.Family.QWEN3_VL;
        boolean nested = name.startsWith("model.language_model.") || name.startsWith("model.visual.");
        if (nested != q3 && !name.equals("lm_head.weight")) {
            return null; // the hub's naming: nested for Qwen3-VL only
        }
        long[] shape = shape(c, name.replaceFirst("^model\\.language_model\\.|^model\\.visual\\.|^model\\.|^visual\\.", ""),
                name.contains("visual."));
        try (NativeScope s = NativeScope.open()) {
            Tensor t;
            if (name.endsWith(".bias")) {
                t = Tensor.zeros(weightType, shape);
            } else if (name.contains("norm") || name.contains("ln_q")) {
                t = Tensor.ones(weightType, shape);
            } else {
                t = Tensor.randn(gen, DType.F32, shape).mul(0.02).to(weightType);
            }
            return t.on(device).persist(); // drawn on the CPU: the same weights on every device
        }
    }

    static long[] shape(QwenVlConfig c, String n, boolean vision) {
        QwenVlConfig.Text x = c.text();
        QwenVlConfig.Vision v = c.vision();
        long h = x.hiddenSize(), q = (long) x.numHeads() * x.headDim(), kv = (long) x.numKvHeads() * x.headDim(), i = x.intermediateSize();
        long vh = v.hiddenSize(), vi = v.intermediateSize(), m = vh * v.spatialMergeSize() * v.spatialMergeSize(), out = v.outHiddenSize();
        boolean bias = n.endsWith(".bias");
        if (!vision) {
            if (n.equals("embed_tokens.weight") || n.equals("lm_head.weight")) {
                return new long[] {x.vocabSize(), h};
            }
            if (n.endsWith("layernorm.weight") || n.equals("norm.weight")) {
                return new long[] {h};
            }
            if (n.contains("q_norm") || n.contains("k_norm")) {
                return new long[] {x.headDim()};
            }
            long[][] io = n.contains("q_proj") ? new long[][] {{q, h}} : n.contains("k_proj") || n.contains("v_proj") ? new long[][] {{kv, h}}
                    : n.contains("o_proj") ? new long[][] {{h, q}} : n.contains("down_proj") ? new long[][] {{h, i}} : new long[][] {{i, h}};
            return bias ? new long[] {io[0][0]} : io[0];
        }
        if (n.startsWith("patch_embed")) {
            return bias ? new long[] {vh} : new long[] {vh, v.inChannels(), v.temporalPatchSize(), v.patchSize(), v.patchSize()};
        }
        if (n.startsWith("pos_embed")) {
            return new long[] {v.numPositionEmbeddings(), vh};
        }
        if (n.startsWith("blocks.")) {
            if (n.contains("norm")) {
                return new long[] {vh};
            }
            long[] io = n.contains("qkv") ? new long[] {3 * vh, vh} : n.contains("attn.proj") ? new long[] {vh, vh}
                    : n.contains("down_proj") || n.contains("linear_fc2") ? new long[] {vh, vi} : new long[] {vi, vh};
            return bias ? new long[] {io[0]} : io;
        }
        // mergers: the main one normalises patches (vh) before grouping, DeepStack's the grouped rows (m)
        if (n.contains("norm") || n.contains("ln_q")) {
            return new long[] {n.startsWith("deepstack") ? m : vh};
        }
        long[] io = n.contains("mlp.2") || n.contains("linear_fc2") ? new long[] {out, m} : new long[] {m, m};
        return bias ? new long[] {io[0]} : io;
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String rss() {
        return status("VmRSS");
    }

    static String status(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key + ":")) {
                    long kb = Long.parseLong(l.replaceAll("\\D", ""));
                    return String.format("%.2f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (java.io.IOException e) {
            return "?";
        }
        return "?";
    }
}
