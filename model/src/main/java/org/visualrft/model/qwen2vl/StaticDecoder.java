package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.DeviceSampler;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.CudaGraph;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.OpCounter;
import org.visualrft.model.tensor.Tensor;

/**
 * The rollout engine for G samples of one prompt, built so that nothing leaves the device until the group is done.
 *
 * <ul>
 *   <li>One prefill (batch 1) fills a <b>static KV cache</b> of {@code G × (prompt + max new)} positions, repeated
 *       over the group; each decode step writes its key and value at a position held in a device tensor and attends
 *       to all positions with a mask {@code index ≤ position}.</li>
 *   <li>Sampling, stop tokens and the record of tokens and log-probs stay on the device
 *       ({@link DeviceSampler}); the host reads the "all finished" flag once every {@value #CHECK_EVERY} steps and
 *       copies the results once at the end.</li>
 *   <li>Every decode step therefore has fixed shapes and addresses, so on CUDA it is recorded once as a
 *       {@link CudaGraph} and replayed: one launch per token instead of ~1,000 (28 layers × ~35 ops).</li>
 *   <li>The {@link DecodeStep#FUSED fused} decode step (the default) reads {@link FusedDecodeWeights}, built at the
 *       start of the rollout: one q/k/v projection, one gate/up projection, LoRA adapters merged into the weights,
 *       rotary embedding of q and k together, the o and down projections accumulated into the residual stream in
 *       place, and an additive attention mask per position made once per rollout. A graph replay then runs about a
 *       third of the kernels of the {@link DecodeStep#UNFUSED unfused} step (kept for comparison).</li>
 * </ul>
 *
 * The random numbers come from the caller's seeded generator, drawn up front ({@code maxNew × G} uniforms, step by
 * step, row by row), so a seed gives the same samples on every device up to float rounding. Greedy draws none.
 * Results match {@link Generation} token for token under greedy decoding (same model, same dtype).
 *
 * <p>{@link #sampleGroups} decodes several prompts' groups in one batch of {@code prompts × G} rows: each prompt is
 * prefilled alone (batch 1) into columns {@code [0, P_i)} of its own rows, every step writes all rows' new keys and
 * values to the one shared column {@code P_max + t}, each row is rotated at its own decode position
 * {@code P_i + ropeDelta_i + t} (what the prompt decoded alone uses), and each row's mask hides the unused columns
 * {@code [P_i, P_max)} of its prefix. Group i draws its random numbers from its own generator in its lone order
 * ({@link DeviceSampler#forGroups}), so it samples what it samples alone, up to float rounding.
 *
 * <p>The engine reads a model through {@link StaticDecoding}: Qwen2-VL, and Qwen2.5-VL and Qwen3-VL through
 * {@link #sampleGroups(StaticDecoding, List, int, SamplingParams, int[], List, boolean, boolean, DecodeStep)} with each
 * prompt's own prefill (their images and DeepStack features are the prefill's business; a decode step sees text only).
 * Those two run the fused step only; Qwen3's per-head q/k RMSNorms are applied to the step's q and k before rotation.
 */
public final class StaticDecoder {
    /** Steps between two reads of the "all finished" flag (each read waits for the device). */
    static final int CHECK_EVERY = 16;

    /** Which decode step a rollout runs. */
    public enum DecodeStep {
        /** Stacked projections, merged adapters, fewer kernels (the default). */
        FUSED,
        /** The per-projection step with adapter matmuls every token: the earlier engine, for comparison. */
        UNFUSED;

        /** {@code -Dvrft.decode=unfused} selects the unfused step; the default is fused. */
        public static DecodeStep fromProperty() {
            String v = System.getProperty("vrft.decode", "fused");
            return switch (v) {
                case "fused" -> FUSED;
                case "unfused" -> UNFUSED;
                default -> throw new IllegalArgumentException("vrft.decode must be fused or unfused, got " + v);
            };
        }
    }

    private StaticDecoder() {
    }

    /** CUDA-graph replay of the decode step unless {@code -Dvrft.cuda.eager=true} (ignored on the CPU). */
    public static boolean useGraph() {
        return !Boolean.getBoolean("vrft.cuda.eager");
    }

    /**
     * Whether a policy that samples on the device (a GPU, or {@code -Dvrft.sampling.on_device=true}) takes this engine:
     * yes unless {@code -Dvrft.decode.static=false} (Qwen2.5-VL and Qwen3-VL then take the growing-cache device loop).
     */
    public static boolean wanted() {
        return !"false".equals(System.getProperty("vrft.decode.static"));
    }

    /**
     * One prompt for {@link #sampleGroups(StaticDecoding, List, int, SamplingParams, int[], List, boolean, boolean,
     * DecodeStep)}: its ids, its M-RoPE delta (a generated token at cache position p has id {@code p + ropeDelta} on
     * all three axes), and its prefill: the prompt alone (batch 1) through the decoder into the given cache, returning
     * the final-normed hidden states {@code [1, P, hidden]}.
     */
    public record PromptInput(int[] ids, long ropeDelta, Function<KvCache, Tensor> prefill) {
    }

    /** Qwen2-VL's prompt: its M-RoPE ids from the image grids, its image embeddings (null: none) placed by the prefill. */
    static PromptInput input(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, boolean adapters) {
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, model.config());
        return new PromptInput(prompt, pos.ropeDelta(), cache -> model.hidden(model.embed(new int[][] {prompt},
                imageEmbeds), new long[][][] {pos.ids()}, cache, adapters, null));
    }

    private static List<PromptInput> inputs(Qwen2VL model, List<int[]> prompts, List<List<int[]>> grids,
                                            List<Tensor> imageEmbeds, boolean adapters) {
        if (grids.size() != prompts.size() || imageEmbeds.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + grids.size() + " grid lists and "
                    + imageEmbeds.size() + " image embeddings");
        }
        List<PromptInput> out = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            out.add(input(model, prompts.get(i), grids.get(i), imageEmbeds.get(i), adapters));
        }
        return out;
    }

    /**
     * {@code g} completions of one prompt; a completion stops after any of {@code eos} (none: always maxNew tokens).
     * {@code useGraph} asks for CUDA-graph replay of the decode step (ignored on the CPU). The decode step is
     * {@link DecodeStep#fromProperty()}'s.
     */
    public static List<DecodeLoop.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                                                 int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                 boolean adapters, boolean useGraph) {
        return sample(model, prompt, grids, imageEmbeds, g, params, eos, rng, adapters, useGraph,
                DecodeStep.fromProperty());
    }

    /** As {@link #sample(Qwen2VL, int[], List, Tensor, int, SamplingParams, int[], RandomGenerator, boolean, boolean)}
     * with the decode step chosen by the caller. */
    public static List<DecodeLoop.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                                                 int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                 boolean adapters, boolean useGraph, DecodeStep step) {
        return sampleGroups(model, List.of(prompt), Arrays.asList(grids), Arrays.asList(imageEmbeds), g, params, eos,
                Arrays.asList(rng), adapters, useGraph, step).get(0);
    }

    /**
     * The groups of {@code g} completions of several prompts decoded together ({@code prompts.size() · g} rows); group
     * i is prompt i's, with its image grids {@code grids.get(i)} and embeddings {@code imageEmbeds.get(i)} (null: no
     * image), its draws from {@code rngs.get(i)} (null for greedy). One prompt is {@link #sample} exactly.
     */
    public static List<List<DecodeLoop.Sample>> sampleGroups(Qwen2VL model, List<int[]> prompts,
                                                             List<List<int[]>> grids, List<Tensor> imageEmbeds, int g,
                                                             SamplingParams params, int[] eos,
                                                             List<? extends RandomGenerator> rngs, boolean adapters,
                                                             boolean useGraph) {
        return sampleGroups(model, prompts, grids, imageEmbeds, g, params, eos, rngs, adapters, useGraph,
                DecodeStep.fromProperty());
    }

    /** As {@link #sampleGroups(Qwen2VL, List, List, List, int, SamplingParams, int[], List, boolean, boolean)} with
     * the decode step chosen by the caller. */
    public static List<List<DecodeLoop.Sample>> sampleGroups(Qwen2VL model, List<int[]> prompts,
                                                             List<List<int[]>> grids, List<Tensor> imageEmbeds, int g,
                                                             SamplingParams params, int[] eos,
                                                             List<? extends RandomGenerator> rngs, boolean adapters,
                                                             boolean useGraph, DecodeStep step) {
        return sampleGroups(model, inputs(model, prompts, grids, imageEmbeds, adapters), g, params, eos, rngs, adapters,
                useGraph, step);
    }

    /**
     * The groups of {@code g} completions of several prompts of any {@link StaticDecoding} model decoded together
     * ({@code prompts.size() · g} rows), group i drawing from {@code rngs.get(i)} (null for greedy). The
     * {@link DecodeStep#UNFUSED unfused} step exists for Qwen2-VL only.
     */
    public static List<List<DecodeLoop.Sample>> sampleGroups(StaticDecoding model, List<PromptInput> prompts, int g,
                                                             SamplingParams params, int[] eos,
                                                             List<? extends RandomGenerator> rngs, boolean adapters,
                                                             boolean useGraph, DecodeStep step) {
        int n = prompts.size();
        if (n == 0 || rngs.size() != n) {
            throw new IllegalArgumentException(n + " prompts but " + rngs.size() + " generators");
        }
        if (step == DecodeStep.UNFUSED && !(model instanceof Qwen2VL)) {
            throw new IllegalArgumentException("the unfused decode step is Qwen2-VL's only");
        }
        if (g < 1) {
            throw new IllegalArgumentException("G must be >= 1, got " + g);
        }
        Device device = model.device();
        int maxNew = params.maxNewTokens();
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompts, g, params, eos, rngs, adapters, step);
            if (maxNew > 1) {
                if (device.isCuda() && useGraph) {
                    decodeWithGraph(st, model, adapters, maxNew);
                } else {
                    decodeEagerly(st, model, adapters, maxNew);
                }
            }
            List<DecodeLoop.Sample> rows = st.results(maxNew);
            List<List<DecodeLoop.Sample>> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(List.copyOf(rows.subList(i * g, (i + 1) * g)));
            }
            return out;
        }
    }

    /** One Qwen2-VL prompt's {@link #start(StaticDecoding, List, int, SamplingParams, int[], List, boolean, DecodeStep)}. */
    private static State start(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                               SamplingParams params, int[] eos, RandomGenerator rng, boolean adapters,
                               DecodeStep step) {
        return start(model, List.of(input(model, prompt, grids, imageEmbeds, adapters)), g, params, eos,
                Arrays.asList(rng), adapters, step);
    }

    /**
     * Allocates the buffers (and, fused, the rollout's weights), runs each prompt's prefill and picks the first
     * tokens.
     */
    private static State start(StaticDecoding model, List<PromptInput> prompts, int g, SamplingParams params,
                               int[] eos, List<? extends RandomGenerator> rngs, boolean adapters, DecodeStep step) {
        int n = prompts.size();
        int[] lengths = new int[n];
        long[] deltas = new long[n];
        int pMax = 0;
        for (int i = 0; i < n; i++) {
            lengths[i] = prompts.get(i).ids().length;
            deltas[i] = prompts.get(i).ropeDelta();
            pMax = Math.max(pMax, lengths[i]);
        }
        int capacity = pMax + params.maxNewTokens();
        if (step == DecodeStep.FUSED) {
            // a multiple of 16 slots: CUDA's memory-efficient attention pads the mask's last dimension otherwise
            capacity = (capacity + 15) / 16 * 16;
        }
        // attention by libtorch's kernel on CUDA (and on the CPU when asked, to check or count that path there)
        boolean sdpa = model.device().isCuda() || Boolean.getBoolean("vrft.decode.sdpa");
        List<FusedDecodeWeights.Layer> fused = step == DecodeStep.FUSED
                ? FusedDecodeWeights.of(model, adapters, sdpa) : null;
        int[] maxNew = new int[n];
        Arrays.fill(maxNew, params.maxNewTokens());
        DeviceSampler sampler = DeviceSampler.forGroups(params, g, maxNew, model.decoderShape().vocab(),
                prompts.stream().map(PromptInput::ids).toList(), eos, rngs,
                model.device());
        State st = new State(model, g, lengths, deltas, capacity, params.maxNewTokens(), sampler, model.device(), fused,
                sdpa);
        try (NativeScope s = NativeScope.open()) {
            List<Tensor> lasts = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                lasts.add(st.prefill(model, i, prompts.get(i)));
            }
            st.pickFirst(lasts);
        }
        return st;
    }

    /**
     * The float32 logits {@code [g · vocab]} of the first {@code steps} decode steps of a greedy rollout (the prefill's
     * first token, then each step's argmax fed back), copied to the host: for comparing decode steps.
     */
    static List<float[]> decodeLogits(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                                      boolean adapters, DecodeStep step, int steps) {
        List<float[]> out = new ArrayList<>();
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompt, grids, imageEmbeds, g, SamplingParams.greedy(steps + 1), new int[0],
                    null, adapters, step);
            for (int i = 0; i < steps; i++) {
                try (NativeScope s = NativeScope.open()) {
                    Tensor logits = st.logits(model, adapters);
                    out.add(logits.toFloats());
                    st.advance(logits);
                }
            }
        }
        return out;
    }

    /**
     * What one decode step costs in launches: the libtorch calls of the whole step and of its decoder layers
     * ({@link OpCounter}: the CPU-checkable proxy), and on CUDA the nodes of the step's CUDA graph (the kernels and
     * copies a replay launches; −1 on the CPU).
     */
    public record StepCount(OpCounter.Counts step, OpCounter.Counts layers, long graphNodes) {
    }

    /**
     * Counts the second decode step of a rollout of {@code g} rows (and, on CUDA, captures the fourth as a graph after
     * a warm-up step on the capture stream; the graph is not replayed).
     */
    public static StepCount countDecodeStep(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                                            boolean adapters, DecodeStep step) {
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompt, grids, imageEmbeds, g, SamplingParams.greedy(5), new int[0], null,
                    adapters, step);
            try (NativeScope s = NativeScope.open()) {
                st.decodeStep(model, adapters);
            }
            OpCounter.start();
            try (NativeScope s = NativeScope.open()) {
                st.decodeStep(model, adapters);
            }
            OpCounter.Counts total = OpCounter.stop();
            long nodes = -1;
            if (st.device.isCuda()) {
                try (CudaGraph.Stream stream = CudaGraph.stream(st.device)) {
                    try (NativeScope s = NativeScope.open()) {
                        st.decodeStep(model, adapters);
                    }
                    try (CudaGraph graph = stream.capture(() -> st.decodeStep(model, adapters))) {
                        nodes = graph.nodes();
                    }
                }
            }
            return new StepCount(total, st.layerCounts, nodes);
        }
    }

    private static void decodeEagerly(State st, StaticDecoding model, boolean adapters, int maxNew) {
        for (int step = 1; step < maxNew; step++) {
            try (NativeScope s = NativeScope.open()) {
                st.decodeStep(model, adapters);
            }
            if (step % CHECK_EVERY == 0 && st.allFinished()) {
                return;
            }
        }
    }

    private static void decodeWithGraph(State st, StaticDecoding model, boolean adapters, int maxNew) {
        try (CudaGraph.Stream stream = CudaGraph.stream(st.device)) {
            int step = 1;
            // two eager steps on the capture stream first: cuBLAS handles, workspaces and allocator blocks
            for (; step < Math.min(3, maxNew); step++) {
                try (NativeScope s = NativeScope.open()) {
                    st.decodeStep(model, adapters);
                }
            }
            if (step >= maxNew) {
                return;
            }
            try (CudaGraph graph = stream.capture(() -> st.decodeStep(model, adapters))) {
                for (; step < maxNew; step++) {
                    graph.replay();
                    if (step % CHECK_EVERY == 0 && st.allFinished()) {
                        return;
                    }
                }
            }
        }
    }

    /**
     * The device-side buffers of one rollout's decoding (one group, or several groups' rows side by side); all
     * allocated before the first decode step.
     */
    private static final class State {
        final Device device;
        final int g; // rows: groups × group size
        final int groupSize;
        final DeviceSampler sampler;
        final Tensor[] keys;
        final Tensor[] values;
        final Tensor cos; // [capacity, headDim]: the rotary table of decode positions (all three M-RoPE axes equal)
        final Tensor sin; // several groups: [positions, headDim], by M-RoPE position (indexed by ropeAt, not position)
        final Tensor ropeAt; // several groups: [rows] int64, each row's M-RoPE position of its next token; else null
        final Tensor prefixMask; // several groups: [rows, 1, 1, capacity], −∞ (fused) / false at [P_i, P_max); else null
        final Tensor rowCos; // several groups, fused: [rows, heads + 2·kvHeads, headDim], each row's step cos, v heads 1
        final Tensor rowSin; // several groups, fused: as rowCos with sinSigned, v heads 0
        final Tensor slots; // 0..capacity-1 (int64), for the attention mask
        final Tensor token; // [g, 1] int64: the token fed to the next step
        final Tensor position; // [1] int64: its cache slot
        final StaticDecoding.Shape c;
        final List<FusedDecodeWeights.Layer> fused; // null: the unfused step
        final Tensor sinSigned; // fused: [capacity, headDim], sin with its first half negated (rotate_half's sign)
        final Tensor maskRows; // fused: [capacity, capacity] additive mask, row p: 0 at slots ≤ p, −∞ after
        final Tensor[] kvs; // fused with sdpa: [g, 2·kvHeads, capacity, headDim] per layer, keys then values
        final Tensor eye; // fused: [headDim, headDim] identity
        final Tensor swap; // fused: [headDim, headDim], moves entry j to j ± headDim/2 (rotate_half without the sign)
        final Tensor rotations; // fused: [heads + 2·kvHeads, headDim, headDim]: the step's rotary matrix, v heads eye
        final boolean sdpa; // attention by libtorch's kernel (fused: o's input columns ordered by query group)
        OpCounter.Counts layerCounts = new OpCounter.Counts(0, 0); // the decoder layers' share of the last step

        State(StaticDecoding model, int groupSize, int[] promptLengths, long[] ropeDeltas, int capacity, int maxNew,
              DeviceSampler sampler, Device device, List<FusedDecodeWeights.Layer> fused, boolean sdpa) {
            this.c = model.decoderShape();
            this.fused = fused;
            this.device = device;
            this.sdpa = sdpa;
            this.groupSize = groupSize;
            int groups = promptLengths.length;
            int g = groups * groupSize;
            this.g = g;
            this.sampler = sampler;
            int layers = c.layers();
            int kv = c.kvHeads();
            int hd = c.headDim();
            keys = new Tensor[layers];
            values = new Tensor[layers];
            // one cache tensor for keys and values (one write a step) where the attention kernel reads strided
            // keys and values; the CPU's matmul would copy a strided cache in every layer
            kvs = fused != null && sdpa ? new Tensor[layers] : null;
            for (int i = 0; i < layers; i++) {
                if (kvs != null) {
                    kvs[i] = Tensor.zeros(model.dtype(), device, g, 2 * kv, capacity, hd);
                    keys[i] = kvs[i].narrow(1, 0, kv);
                    values[i] = kvs[i].narrow(1, kv, kv);
                } else {
                    keys[i] = Tensor.zeros(model.dtype(), device, g, kv, capacity, hd);
                    values[i] = Tensor.zeros(model.dtype(), device, g, kv, capacity, hd);
                }
            }
            int pMax = Arrays.stream(promptLengths).max().orElseThrow();
            boolean single = groups == 1;
            // one group: the table by cache slot (position + rope delta); several: by M-RoPE position, row by row
            int table = capacity;
            long[] rowStart = new long[g];
            for (int r = 0; r < g; r++) {
                int i = r / groupSize;
                rowStart[r] = RopeIndex.decodePosition(promptLengths[i], ropeDeltas[i]);
                table = single ? table : (int) Math.max(table, rowStart[r] + maxNew);
            }
            long[][][] ids = new long[1][3][table];
            for (int a = 0; a < 3; a++) {
                for (int j = 0; j < table; j++) {
                    ids[0][a][j] = single ? RopeIndex.decodePosition(j, ropeDeltas[0]) : j;
                }
            }
            // all three axes at one id: plain RoPE, whatever the family's M-RoPE sections
            Tensor[] rope = RotaryTables.mropeByAxis(ids, new int[hd / 2], c.ropeTheta(), hd, model.dtype(), device);
            cos = rope[0].view(table, c.headDim());
            sin = rope[1].view(table, c.headDim());
            slots = Tensor.arange(0, capacity, DType.I64, device);
            token = Tensor.zeros(DType.I64, device, g, 1);
            position = Tensor.full(pMax, DType.I64, device, 1);
            ropeAt = single ? null : Tensor.fromLongs(rowStart, g).on(device);
            Tensor hidden = null; // several groups: which columns of its prefix each row may not see
            if (!single) {
                long[] own = new long[g];
                for (int r = 0; r < g; r++) {
                    own[r] = promptLengths[r / groupSize];
                }
                Tensor column = slots.view(1, capacity);
                hidden = column.lt(Tensor.fromLongs(own, g, 1).on(device)).logicalNot().logicalAnd(column.lt(pMax))
                        .view(g, 1, 1, capacity);
            }
            if (fused != null) {
                int half = hd / 2;
                sinSigned = Tensor.cat(List.of(sin.narrow(1, 0, half).neg(), sin.narrow(1, half, half)), 1);
                Tensor later = slots.unsqueeze(0).gt(slots.unsqueeze(1)); // [p, slot]: slot > p
                maskRows = Tensor.zeros(model.dtype(), device, capacity, capacity)
                        .maskedFill(later, Double.NEGATIVE_INFINITY);
                Tensor index = Tensor.arange(0, hd, DType.I64, device);
                eye = index.unsqueeze(1).eq(index.unsqueeze(0)).to(model.dtype());
                swap = eye.roll(half, 0);
                rotations = eye.unsqueeze(0).expand(c.heads() + 2 * kv, hd, hd).contiguous();
                prefixMask = single ? null : Tensor.zeros(model.dtype(), device, g, 1, 1, capacity)
                        .maskedFill(hidden, Double.NEGATIVE_INFINITY);
                int heads = c.heads() + 2 * kv;
                rowCos = single ? null : Tensor.full(1, model.dtype(), device, g, heads, hd);
                rowSin = single ? null : Tensor.zeros(model.dtype(), device, g, heads, hd);
            } else {
                sinSigned = null;
                maskRows = null;
                eye = null;
                swap = null;
                rotations = null;
                prefixMask = single ? null : hidden.logicalNot();
                rowCos = null;
                rowSin = null;
            }
        }

        /**
         * Runs group {@code group}'s prompt once (batch 1) and copies its keys and values into columns
         * {@code [0, P)} of the group's rows; returns the float32 logits of its last position {@code [1, vocab]}.
         */
        Tensor prefill(StaticDecoding model, int group, PromptInput prompt) {
            int length = prompt.ids().length;
            try (KvCache cache = new KvCache(c.layers())) {
                Tensor h = prompt.prefill().apply(cache);
                for (int i = 0; i < keys.length; i++) {
                    keys[i].narrow(0, group * groupSize, groupSize).narrow(2, 0, length).copy_(cache.keys(i));
                    values[i].narrow(0, group * groupSize, groupSize).narrow(2, 0, length).copy_(cache.values(i));
                }
                return model.logits(h.narrow(1, h.size(1) - 1, 1)).to(DType.F32).view(1, c.vocab());
            }
        }

        /** Picks and records the first tokens from each group's prefill logits ({@code [1, vocab]} each). */
        void pickFirst(List<Tensor> lasts) {
            int v = c.vocab();
            Tensor first = lasts.size() == 1 ? lasts.get(0).expand(g, v)
                    : Tensor.cat(lasts, 0).view(lasts.size(), 1, v).expand(lasts.size(), groupSize, v).reshape(g, v);
            token.copy_(sampler.pickAndRecord(first).view(g, 1));
        }

        /** One token for every row: fixed shapes and addresses, no host synchronisation (graph-capturable). */
        void decodeStep(StaticDecoding model, boolean adapters) {
            advance(logits(model, adapters));
        }

        /** The next position's float32 logits {@code [g, vocab]}; writes this step's keys and values. */
        Tensor logits(StaticDecoding model, boolean adapters) {
            return fused != null ? logitsFused(model) : logitsUnfused((Qwen2VL) model, adapters);
        }

        /** Picks and records the next tokens from {@code logits} and moves to the next position. */
        void advance(Tensor logits) {
            token.copy_(sampler.pickAndRecord(logits).view(g, 1));
            position.addInt_(1);
            if (ropeAt != null) {
                ropeAt.addInt_(1);
            }
        }

        /**
         * The fused step. Per layer: RMSNorm · q/k/v projection · one batched matmul that rotates q and k (and passes v
         * through) · one cache write of k and v · attention · o projection added into the residual · RMSNorm · gate/up
         * projection · SiLU and product in place · down projection added into the residual.
         */
        private Tensor logitsFused(StaticDecoding model) {
            int h = c.heads();
            int kv = c.kvHeads();
            int hd = c.headDim();
            int heads = h + 2 * kv;
            long inter = c.intermediate();
            double eps = c.rmsNormEps();
            Tensor x = Tensor.embedding(model.embedTokens(), token.view(g)); // [g, hidden], updated in place below
            // x·cos + rotate_half(x)·sin as x·R; column j of R: cos_j at row j, ∓sin_j at row (j + hd/2) mod hd
            Tensor mask = maskRows.indexSelect(0, position).view(1, 1, 1, maskRows.size(1));
            if (ropeAt == null) {
                Tensor cs = cos.indexSelect(0, position);
                Tensor sn = sinSigned.indexSelect(0, position);
                Tensor rotation = eye.mul(cs).addcmul_(swap, sn, 1.0);
                rotations.narrow(0, 0, h + kv).copy_(rotation.unsqueeze(0).expand(h + kv, hd, hd));
            } else {
                // several groups: each row at its own position, so x·cos + roll(x, hd/2)·sinSigned row by row
                rowCos.narrow(1, 0, h + kv).copy_(cos.indexSelect(0, ropeAt).unsqueeze(1).expand(g, h + kv, hd));
                rowSin.narrow(1, 0, h + kv).copy_(sinSigned.indexSelect(0, ropeAt).unsqueeze(1).expand(g, h + kv, hd));
                mask = mask.add(prefixMask);
            }
            OpCounter.Counts before = OpCounter.snapshot();
            for (int i = 0; i < fused.size(); i++) {
                FusedDecodeWeights.Layer l = fused.get(i);
                Tensor qkv = Tensor.linear(x.rmsNorm(l.inputNorm(), eps), l.qkv(), l.qkvBias()).view(g, heads, hd);
                if (l.qNorm() != null) { // Qwen3: each head of q and of k RMS-normalised before the rotation
                    Tensor q = qkv.narrow(1, 0, h);
                    Tensor k = qkv.narrow(1, h, kv);
                    q.copy_(q.rmsNorm(l.qNorm(), eps));
                    k.copy_(k.rmsNorm(l.kNorm(), eps));
                }
                Tensor rotated = rotate(qkv); // [heads, g, hd]
                Tensor kvNew = rotated.narrow(0, h, 2 * kv).transpose(0, 1).unsqueeze(2); // [g, 2·kv, 1, hd]
                if (kvs != null) {
                    kvs[i].indexCopy_(2, position, kvNew);
                } else {
                    keys[i].indexCopy_(2, position, kvNew.narrow(1, 0, kv));
                    values[i].indexCopy_(2, position, kvNew.narrow(1, kv, kv));
                }
                // one query position: the heads that share a KV head become that head's query rows (no KV copies)
                Tensor q = rotated.narrow(0, 0, h).transpose(0, 1).view(g, kv, h / kv, hd);
                Tensor o = attendAdditive(q, keys[i], values[i], mask); // [g, kv, group, hd]
                o = (sdpa ? o.transpose(1, 2) : o).reshape(g, (long) h * hd); // a view in the kernel's layout
                x.addLinear_(o, l.o());
                Tensor gateUp = Tensor.linear(x.rmsNorm(l.postNorm(), eps), l.gateUp(), null); // [g, 2·inter]
                Tensor act = gateUp.narrow(1, 0, inter).silu_().mul_(gateUp.narrow(1, inter, inter));
                x.addLinear_(act, l.down());
            }
            layerCounts = OpCounter.snapshot().minus(before);
            return model.logits(x.rmsNorm(model.finalNorm(), eps)).to(DType.F32);
        }

        /** q, k (and v, unrotated) of every row {@code [g, heads, hd]} at its position, as {@code [heads, g, hd]}. */
        private Tensor rotate(Tensor qkv) {
            if (ropeAt == null) {
                return qkv.transpose(0, 1).matmul(rotations);
            }
            return qkv.mul(rowCos).addcmul_(qkv.roll(qkv.size(2) / 2, 2), rowSin, 1.0).transpose(0, 1);
        }

        /** Attention of {@code q} over the whole cache with an additive mask (no per-layer mask conversion). */
        private Tensor attendAdditive(Tensor q, Tensor k, Tensor v, Tensor mask) {
            if (sdpa) {
                return Tensor.scaledDotProductAttention(q, k, v, mask, false, false);
            }
            // transformers' eager attention (see Attention): on the CPU about 10× libtorch's fused bf16 kernel
            Tensor scores = q.matmul(k.transpose(2, 3)).div(Math.sqrt(q.size(3))).add(mask);
            return scores.to(DType.F32).softmax(-1).to(q.dtype()).matmul(v);
        }

        /** The step before fusion: three q/k/v and two gate/up projections, adapter matmuls every token. */
        private Tensor logitsUnfused(Qwen2VL model, boolean adapters) {
            Qwen2VLWeights w = model.weights();
            int h = c.heads();
            int kv = c.kvHeads();
            int hd = c.headDim();
            int group = h / kv;
            Tensor x = Tensor.embedding(w.embedTokens(), token); // [g, 1, hidden]
            Tensor at = ropeAt == null ? position : ropeAt;
            long atRows = at.size(0);
            Tensor cs = cos.indexSelect(0, at).view(atRows, 1, 1, hd);
            Tensor sn = sin.indexSelect(0, at).view(atRows, 1, 1, hd);
            Tensor visible = slots.lt(position.add(1)).view(1, 1, 1, slots.size(0));
            if (prefixMask != null) {
                visible = visible.logicalAnd(prefixMask);
            }
            OpCounter.Counts before = OpCounter.snapshot();
            for (int i = 0; i < keys.length; i++) {
                Qwen2VLWeights.Layer l = w.layers().get(i);
                Tensor n = LanguageModel.norm(x, l.inputNorm(), c.rmsNormEps());
                Tensor q = l.q().forward(n, adapters).view(g, 1, h, hd).transpose(1, 2);
                Tensor k = l.k().forward(n, adapters).view(g, 1, kv, hd).transpose(1, 2);
                Tensor v = l.v().forward(n, adapters).view(g, 1, kv, hd).transpose(1, 2);
                q = q.mul(cs).add(VisionTower.rotateHalf(q).mul(sn));
                k = k.mul(cs).add(VisionTower.rotateHalf(k).mul(sn));
                keys[i].indexCopy_(2, position, k);
                values[i].indexCopy_(2, position, v);
                // one query position: the heads that share a KV head become that head's query rows (no KV copies)
                Tensor qg = q.reshape(g, kv, group, hd);
                Tensor o = attend(qg, keys[i], values[i], visible).reshape(g, 1, (long) h * hd);
                Tensor y = x.add(l.o().forward(o, adapters));
                n = LanguageModel.norm(y, l.postNorm(), c.rmsNormEps());
                Tensor up = l.gate().forward(n, adapters).silu().mul(l.up().forward(n, adapters));
                x = y.add(l.down().forward(up, adapters));
            }
            layerCounts = OpCounter.snapshot().minus(before);
            return model.logits(LanguageModel.norm(x, w.norm(), c.rmsNormEps())).to(DType.F32).view(g, c.vocab());
        }

        private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor visible) {
            if (sdpa) {
                return Tensor.scaledDotProductAttention(q, k, v, visible, false, false);
            }
            return Attention.apply(q, k, v, visible, false);
        }

        boolean allFinished() {
            return sampler.allFinished();
        }

        List<DecodeLoop.Sample> results(int maxNew) {
            return sampler.record().samples(maxNew);
        }
    }
}
