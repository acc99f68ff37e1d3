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
import org.visualrft.model.qwen2vl.Generation;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.qwen2vl.Qwen2VL;
import org.visualrft.model.qwen2vl.Qwen2VLConfig;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.RandomWeights;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.qwen2vl.StaticDecoder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * One GRPO step of Qwen2-VL with LoRA on this CPU, on a model of a given config with random weights generated here:
 * rollouts (G samples, KV cache), reference log-probs (adapters off), policy log-probs with autograd, the GRPO loss
 * (k3 KL, beta 0.04, per-sequence token mean), backward and an AdamW update of the adapters. Prints times and the
 * process's peak resident memory (VmHWM). Sampling ignores EOS so every rollout has exactly --new tokens.
 *
 * With {@code --static-decode RUNS} it instead compares the static-cache rollout engine's decode steps (fused against
 * unfused, see {@link StaticDecoder.DecodeStep}) on this CPU, without and with the LoRA adapters: libtorch calls per
 * layer of one decode step and decoded tokens per second (rollout time minus the time of a one-token rollout, i.e.
 * the vision tower and prefill), min and median of RUNS rollouts each.
 *
 * With {@code --batched-groups N --static-decode RUNS} it compares N prompts' groups (question lengths text,
 * text + 7, text + 14, ...: different prompt lengths) rolled out one prompt at a time against the same N groups in one
 * batched decode ({@link StaticDecoder#sampleGroups}), fused step with the adapters: sampled tokens per second of the
 * whole rollout (prefills included) and of the decode alone, min and median of RUNS each.
 *
 * usage: java -cp CLASSPATH Qwen2VLBench.java --config qwen2vl-2b-config.json [--dtype bf16] [--g 4] [--new 64]
 *        [--image 448] [--text 110] [--rank 16] [--alpha 32] [--steps 1] [--threads N] [--static-decode RUNS]
 *        [--batched-groups N]
 */
public class Qwen2VLBench {
    public static void main(String[] args) throws Exception {
        String config = null;
        DType dtype = DType.BF16;
        int g = 4, newTokens = 64, image = 448, text = 110, rank = 16, steps = 1, threads = 0;
        boolean rolloutOnly = false;
        int staticRuns = 0;
        int batchedGroups = 0;
        double alpha = 32;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--config" -> config = args[i + 1];
                case "--dtype" -> dtype = args[i + 1].equals("f32") ? DType.F32 : DType.BF16;
                case "--g" -> g = Integer.parseInt(args[i + 1]);
                case "--new" -> newTokens = Integer.parseInt(args[i + 1]);
                case "--image" -> image = Integer.parseInt(args[i + 1]);
                case "--text" -> text = Integer.parseInt(args[i + 1]);
                case "--rank" -> rank = Integer.parseInt(args[i + 1]);
                case "--alpha" -> alpha = Double.parseDouble(args[i + 1]);
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rollout-only" -> rolloutOnly = Boolean.parseBoolean(args[i + 1]);
                case "--static-decode" -> staticRuns = Integer.parseInt(args[i + 1]);
                case "--batched-groups" -> batchedGroups = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Engine.load();
        if (threads > 0) {
            Engine.setThreads(threads);
        }
        Qwen2VLConfig c = Qwen2VLConfig.load(Path.of(config));
        System.out.printf("config %s: %d layers, hidden %d, vocab %d; vision depth %d, embed %d; dtype %s; threads %d%n",
                config, c.numLayers(), c.hiddenSize(), c.vocabSize(), c.vision().depth(), c.vision().embedDim(), dtype, Engine.threads());
        long t0 = System.nanoTime();
        Qwen2VL model = RandomWeights.model(c, dtype, 1234);
        try (Generator gen = Generator.seeded(99)) {
            model.attachLora(LoraConfig.allLinear(rank, alpha), gen);
        }
        Qwen2VLPolicy policy = Qwen2VLPolicy.of(model, null, null, c.eosTokenIds());
        long params = 0, lora = 0;
        for (Parameter p : policy.parameters()) {
            long n = p.value().numel();
            params += n;
            if (p.name().contains("lora_")) {
                lora += n;
            }
        }
        System.out.printf("random init + LoRA r=%d alpha=%.0f: %.1f s; %,d weights (%,d LoRA); rss %s%n", rank, alpha,
                secs(t0), params, lora, mem());

        // a synthetic image; the paper's training limit max_pixels 401408 (512 tokens of 28x28)
        ImageProcessor proc = model.processor().withPixels(3136, 401408);
        byte[] rgb = new byte[image * image * 3];
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = (byte) ((i * 31 + (i / (image * 3)) * 17) & 0xff);
        }
        ImageProcessor.Patches patches = proc.process(new RgbImage(image, image, rgb));
        int imageTokens = patches.tokenCount(proc.mergeSize());
        int[] prompt = promptIds(c, imageTokens, text, new Random(5));
        List<int[]> grids = List.of(new int[] {patches.gridT(), patches.gridH(), patches.gridW()});
        System.out.printf("prompt: image %dx%d -> %d patches, %d image tokens; %d prompt tokens; G=%d x %d new tokens%n",
                image, image, patches.rows(), imageTokens, prompt.length, g, newTokens);

        if (staticRuns > 0 && batchedGroups > 0) {
            List<int[]> prompts = new ArrayList<>();
            for (int i = 0; i < batchedGroups; i++) {
                prompts.add(promptIds(c, imageTokens, text + 7 * i, new Random(5 + i)));
            }
            try (NativeScope scope = NativeScope.open()) {
                compareBatchedGroups(model, prompts, grids, model.encodeImages(List.of(patches), null), g, newTokens,
                        staticRuns);
            }
            return;
        }
        if (staticRuns > 0) {
            try (NativeScope scope = NativeScope.open()) {
                compareDecodeSteps(model, prompt, grids, model.encodeImages(List.of(patches), null), g, newTokens, staticRuns);
            }
            return;
        }
        List<Tensor> trainable = model.trainable();
        List<Tensor[]> adam = new ArrayList<>();
        for (Tensor p : trainable) {
            adam.add(new Tensor[] {Tensor.zeros(DType.F32, p.shape()).persist(), Tensor.zeros(DType.F32, p.shape()).persist()});
        }
        Random rng = new Random(42);
        for (int step = 1; step <= steps; step++) {
            long s0 = System.nanoTime();
            long c0 = cpu();
            try (NativeScope scope = NativeScope.open()) {
                long a = System.nanoTime();
                long ca = cpu();
                Tensor img = model.encodeImages(List.of(patches), null);
                double tVision = secs(a);
                double cVision = (cpu() - ca) / 1e9;
                a = System.nanoTime();
                ca = cpu();
                prefillOnly(model, prompt, grids, img);
                double tPrefill = secs(a);
                double cPrefill = (cpu() - ca) / 1e9;
                a = System.nanoTime();
                ca = cpu();
                List<DecodeLoop.Sample> samples = Generation.sample(model, prompt, grids, img, g,
                        SamplingParams.visualRft(newTokens), new int[0], rng, null, true);
                double tGen = secs(a);
                double cGen = (cpu() - ca) / 1e9;
                System.out.printf("  CPU seconds: vision %.1f, prefill %.1f, generate %.1f (load %s)%n", cVision, cPrefill, cGen, load());
                if (rolloutOnly) {
                    System.out.printf("rollout: vision %.1f s | prefill %.1f s | generate %.1f s (%.2f sampled tok/s; decode %.2f tok/s)%n",
                            tVision, tPrefill, tGen, g * newTokens / tGen, decodeRate(g * (newTokens - 1), tGen - tPrefill));
                    continue;
                }
                List<int[]> completions = new ArrayList<>();
                for (DecodeLoop.Sample s : samples) {
                    completions.add(s.tokens());
                }
                String memRollout = mem();
                double[] rewards = new double[g];
                for (int i = 0; i < g; i++) {
                    rewards[i] = rng.nextDouble();
                }
                double[] adv = advantages(rewards);
                a = System.nanoTime();
                Tensor ref;
                try (Tensor.GradMode ng = Tensor.noGrad()) {
                    ref = ((Qwen2VLPolicy) policy.frozenCopy()).groupLogProbs(prompt, grids, img, completions).logProbs();
                }
                double tRef = secs(a);
                a = System.nanoTime();
                GroupLogProbs lp = policy.groupLogProbs(prompt, grids, img, completions);
                double tFwd = secs(a);
                String memFwd = mem();
                a = System.nanoTime();
                Tensor loss = grpoLoss(lp.logProbs(), ref, lp.mask(), adv, 0.04);
                loss.backward();
                double tBwd = secs(a);
                a = System.nanoTime();
                adamW(trainable, adam, step, 1e-5);
                double tOpt = secs(a);
                System.out.printf("step %d: %.1f s total | vision %.1f s | prefill %.1f s | generate %.1f s (%.2f sampled tok/s; "
                                + "decode %.2f tok/s) | ref logp %.1f s | policy logp fwd %.1f s | loss+backward %.1f s | AdamW %.2f s"
                                + " | loss %.4e%n",
                        step, secs(s0), tVision, tPrefill, tGen, g * newTokens / tGen,
                        decodeRate(g * (newTokens - 1), tGen - tPrefill), tRef, tFwd, tBwd, tOpt, loss.item());
                System.out.printf("  process CPU time %.1f s over %.1f s wall (%.2f cores busy; the machine is shared, load %s)%n",
                        (cpu() - c0) / 1e9, secs(s0), (cpu() - c0) / 1e9 / secs(s0), load());
                System.out.printf("  rss after rollout %s, after policy forward %s%n", memRollout, memFwd);
            }
        }
        System.out.printf("peak resident memory (VmHWM): %s%n", peak());
    }

    /**
     * The static-cache engine's decode steps side by side: calls per layer, decoded tokens per second of wall time and
     * per second of this process's CPU time (steadier on a shared machine). The steps alternate run by run, so a
     * change in the machine's load falls on both.
     */
    static void compareDecodeSteps(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor img, int g, int newTokens,
                                   int runs) {
        SamplingParams sampling = new SamplingParams(1.0, 0, 1.0, newTokens);
        List<StaticDecoder.DecodeStep> steps = List.of(StaticDecoder.DecodeStep.UNFUSED, StaticDecoder.DecodeStep.FUSED);
        int layers = model.config().numLayers();
        System.out.printf("%nstatic-cache decode on this CPU, G=%d x %d new tokens, %d runs each, %d threads (load %s)%n",
                g, newTokens, runs, Engine.threads(), load());
        System.out.println("| decode step | adapters | calls per layer | decode tok/s min | median | max "
                + "| tok per CPU-s median | median vs unfused (wall, CPU) |");
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (boolean adapters : new boolean[] {false, true}) {
            double[][] wall = new double[steps.size()][runs];
            double[][] cpu = new double[steps.size()][runs];
            for (int r = 0; r < runs; r++) {
                for (int k = 0; k < steps.size(); k++) {
                    long a = System.nanoTime();
                    long ca = cpu();
                    StaticDecoder.sample(model, prompt, grids, img, g, SamplingParams.greedy(1), new int[0], null,
                            adapters, false, steps.get(k));
                    double prefill = secs(a);
                    double prefillCpu = (cpu() - ca) / 1e9;
                    a = System.nanoTime();
                    ca = cpu();
                    StaticDecoder.sample(model, prompt, grids, img, g, sampling, new int[0],
                            new java.util.SplittableRandom(r), adapters, false, steps.get(k));
                    wall[k][r] = g * (newTokens - 1) / (secs(a) - prefill);
                    cpu[k][r] = g * (newTokens - 1) / ((cpu() - ca) / 1e9 - prefillCpu);
                }
            }
            for (int k = 0; k < steps.size(); k++) {
                StaticDecoder.StepCount n = StaticDecoder.countDecodeStep(model, prompt, grids, img, g, adapters,
                        steps.get(k));
                System.out.printf("| %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2fx, %.2fx |%n",
                        steps.get(k).name().toLowerCase(), adapters ? "LoRA r" + model.lora().rank() : "none",
                        n.layers().ops() / (double) layers, min(wall[k]), median(wall[k]), max(wall[k]), median(cpu[k]),
                        median(wall[k]) / median(wall[0]), median(cpu[k]) / median(cpu[0]));
            }
        }
    }

    /**
     * N prompts' groups one prompt at a time ({@link StaticDecoder#sample} per prompt) against one batched decode
     * ({@link StaticDecoder#sampleGroups}), alternating run by run: sampled tokens per second of the rollout and of
     * the decode alone (minus a one-token rollout of the same prompts: vision excluded, prefills).
     */
    static void compareBatchedGroups(Qwen2VL model, List<int[]> prompts, List<int[]> grids, Tensor img, int g,
                                     int newTokens, int runs) {
        int n = prompts.size();
        SamplingParams sampling = new SamplingParams(1.0, 0, 1.0, newTokens);
        List<List<int[]>> allGrids = java.util.Collections.nCopies(n, grids);
        List<Tensor> imgs = java.util.Collections.nCopies(n, img);
        StaticDecoder.DecodeStep fused = StaticDecoder.DecodeStep.FUSED;
        StringBuilder lengths = new StringBuilder();
        for (int[] p : prompts) {
            lengths.append(lengths.length() == 0 ? "" : ", ").append(p.length);
        }
        System.out.printf("%nstatic-cache rollout on this CPU, %d prompts (lengths %s) x G=%d x %d new tokens, fused, "
                + "LoRA, %d runs each, %d threads (load %s)%n", n, lengths, g, newTokens, runs, Engine.threads(), load());
        double[][] rollout = new double[2][runs];
        double[][] decode = new double[2][runs];
        for (int r = -1; r < runs; r++) { // run −1 warms up (allocator, thread pool) and is not counted
            for (int k = 0; k < 2; k++) {
                boolean batched = k == 1;
                double[] t = new double[2];
                for (int pass = 0; pass < 2; pass++) {
                    SamplingParams sp = pass == 0 ? SamplingParams.greedy(1) : sampling;
                    long a = System.nanoTime();
                    if (batched) {
                        List<java.util.random.RandomGenerator> rngs = new ArrayList<>();
                        for (int i = 0; i < n; i++) {
                            rngs.add(new java.util.SplittableRandom(r * 100L + i + 100));
                        }
                        StaticDecoder.sampleGroups(model, prompts, allGrids, imgs, g, sp, new int[0], rngs, true,
                                false, fused);
                    } else {
                        for (int i = 0; i < n; i++) {
                            StaticDecoder.sample(model, prompts.get(i), grids, img, g, sp, new int[0],
                                    new java.util.SplittableRandom(r * 100L + i + 100), true, false, fused);
                        }
                    }
                    t[pass] = secs(a);
                }
                if (r < 0) {
                    continue;
                }
                rollout[k][r] = (double) n * g * newTokens / t[1];
                decode[k][r] = decodeRate(n * g * (newTokens - 1), t[1] - t[0]);
            }
        }
        System.out.println("| rollout | rows per decode step | rollout tok/s min | median | decode tok/s min | median "
                + "| median vs one at a time (rollout, decode) |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        String[] names = {"one prompt at a time", n + " groups batched"};
        for (int k = 0; k < 2; k++) {
            System.out.printf("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.2fx, %.2fx |%n", names[k], k == 0 ? g : n * g,
                    min(rollout[k]), median(rollout[k]), min(decode[k]), median(decode[k]),
                    median(rollout[k]) / median(rollout[0]), median(decode[k]) / median(decode[0]));
        }
    }

    static double median(double[] x) {
        double[] s = x.clone();
        java.util.Arrays.sort(s);
        return s[s.length / 2];
    }

    static double min(double[] x) {
        return java.util.Arrays.stream(x).min().orElse(Double.NaN);
    }

    static double max(double[] x) {
        return java.util.Arrays.stream(x).max().orElse(Double.NaN);
    }

    /** Decoded tokens per second after the prefill; NaN when the run is too short to tell it from the prefill. */
    static double decodeRate(int tokens, double seconds) {
        return seconds > 1e-3 ? tokens / seconds : Double.NaN;
    }

    static void prefillOnly(Qwen2VL m, int[] prompt, List<int[]> grids, Tensor img) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, m.config());
            try (KvCache cache = new KvCache(m.config().numLayers())) {
                Tensor h = m.hidden(m.embed(new int[][] {prompt}, img), new long[][][] {pos.ids()}, cache, true, null);
                m.logits(h.narrow(1, h.size(1) - 1, 1)).toFloats();
            }
        }
    }

    /** Template-shaped ids: system turn, user turn with the image pads and `text` question tokens, assistant header. */
    static int[] promptIds(Qwen2VLConfig c, int imageTokens, int text, Random r) {
        List<Integer> ids = new ArrayList<>();
        int v = Math.min(150000, c.vocabSize() - 16); // text ids below the special tokens (small test configs too)
        int imStart = 151644 % v, imEnd = 151645 % v, nl = 198 % v;
        ids.add(imStart);
        for (int i = 0; i < 8; i++) {
            ids.add(r.nextInt(v));
        }
        ids.add(imEnd);
        ids.add(nl);
        ids.add(imStart);
        ids.add(r.nextInt(v));
        ids.add(nl);
        ids.add(c.visionStartTokenId());
        for (int i = 0; i < imageTokens; i++) {
            ids.add(c.imageTokenId());
        }
        ids.add(c.visionEndTokenId());
        for (int i = 0; i < text; i++) {
            ids.add(r.nextInt(v));
        }
        ids.add(imEnd);
        ids.add(nl);
        ids.add(imStart);
        ids.add(77091 % v);
        ids.add(nl);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static double[] advantages(double[] r) {
        double mean = 0;
        for (double v : r) {
            mean += v / r.length;
        }
        double var = 0;
        for (double v : r) {
            var += (v - mean) * (v - mean) / (r.length - 1);
        }
        double[] a = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            a[i] = (r[i] - mean) / (Math.sqrt(var) + 1e-4);
        }
        return a;
    }

    /** Visual-RFT's GRPO loss: -exp(lp - sg(lp))·A + beta·k3, token mean per sequence, mean over the group. */
    static Tensor grpoLoss(Tensor lp, Tensor ref, Tensor mask, double[] adv, double beta) {
        Tensor a = Tensor.fromDoubles(adv, adv.length, 1).to(DType.F32);
        Tensor policy = lp.sub(lp.detach()).exp().mul(a).neg();
        Tensor d = ref.sub(lp);
        Tensor k3 = d.exp().sub(d).sub(1.0);
        Tensor per = policy.add(k3.mul(beta)).mul(mask);
        return per.sum(1, false).div(mask.sum(1, false)).mean();
    }

    static void adamW(List<Tensor> params, List<Tensor[]> state, int step, double lr) {
        double b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.0;
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor gr = p.grad();
                if (gr == null) {
                    continue;
                }
                Tensor m = state.get(i)[0];
                Tensor v = state.get(i)[1];
                m.mul_(b1).add_(gr, 1 - b1);
                v.mul_(b2).addcmul_(gr, gr, 1 - b2);
                double bc1 = 1 - Math.pow(b1, step);
                double bc2 = 1 - Math.pow(b2, step);
                p.mul_(1 - lr * wd);
                p.addcdiv_(m, v.div(bc2).sqrt().add(eps), -lr / bc1);
                p.zeroGrad();
            }
        }
    }

    static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    static double secs(long t) {
        return (System.nanoTime() - t) / 1e9;
    }

    static String mem() {
        return status("VmRSS");
    }

    static String peak() {
        return status("VmHWM");
    }

    static String status(String key) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(key + ":")) {
                    long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    return String.format("%.2f GiB", kb / 1024.0 / 1024.0);
                }
            }
        } catch (Exception e) {
            return "?";
        }
        return "?";
    }
}
