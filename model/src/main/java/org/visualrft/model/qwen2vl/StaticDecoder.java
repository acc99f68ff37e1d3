package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
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

    /**
     * {@code g} completions of one prompt; a completion stops after any of {@code eos} (none: always maxNew tokens).
     * {@code useGraph} asks for CUDA-graph replay of the decode step (ignored on the CPU). The decode step is
     * {@link DecodeStep#fromProperty()}'s.
     */
    public static List<Generation.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                                                 int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                 boolean adapters, boolean useGraph) {
        return sample(model, prompt, grids, imageEmbeds, g, params, eos, rng, adapters, useGraph,
                DecodeStep.fromProperty());
    }

    /** As {@link #sample(Qwen2VL, int[], List, Tensor, int, SamplingParams, int[], RandomGenerator, boolean, boolean)}
     * with the decode step chosen by the caller. */
    public static List<Generation.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                                                 int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                 boolean adapters, boolean useGraph, DecodeStep step) {
        Device device = model.device();
        int maxNew = params.maxNewTokens();
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, model.config());
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompt, grids, imageEmbeds, pos, g, params, eos, rng, adapters, step);
            if (maxNew > 1) {
                if (device.isCuda() && useGraph) {
                    decodeWithGraph(st, model, adapters, maxNew);
                } else {
                    decodeEagerly(st, model, adapters, maxNew);
                }
            }
            return st.results(maxNew);
        }
    }

    /** Allocates the buffers (and, fused, the rollout's weights), runs the prefill and picks the first tokens. */
    private static State start(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                               RopeIndex.Positions pos, int g, SamplingParams params, int[] eos, RandomGenerator rng,
                               boolean adapters, DecodeStep step) {
        int capacity = prompt.length + params.maxNewTokens();
        if (step == DecodeStep.FUSED) {
            // a multiple of 16 slots: CUDA's memory-efficient attention pads the mask's last dimension otherwise
            capacity = (capacity + 15) / 16 * 16;
        }
        // attention by libtorch's kernel on CUDA (and on the CPU when asked, to check or count that path there)
        boolean sdpa = model.device().isCuda() || Boolean.getBoolean("vrft.decode.sdpa");
        List<FusedDecodeWeights.Layer> fused = step == DecodeStep.FUSED
                ? FusedDecodeWeights.of(model.weights(), model.config(), adapters, sdpa) : null;
        State st = new State(model, g, capacity, prompt.length, pos.ropeDelta(), params, eos, rng, model.device(), fused,
                sdpa);
        try (NativeScope s = NativeScope.open()) {
            st.prefill(model, prompt, grids, imageEmbeds, pos, adapters);
        }
        return st;
    }

    /**
     * The float32 logits {@code [g · vocab]} of the first {@code steps} decode steps of a greedy rollout (the prefill's
     * first token, then each step's argmax fed back), copied to the host: for comparing decode steps.
     */
    static List<float[]> decodeLogits(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, int g,
                                      boolean adapters, DecodeStep step, int steps) {
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, model.config());
        List<float[]> out = new ArrayList<>();
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompt, grids, imageEmbeds, pos, g, SamplingParams.greedy(steps + 1), new int[0],
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
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, model.config());
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = start(model, prompt, grids, imageEmbeds, pos, g, SamplingParams.greedy(5), new int[0], null,
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

    private static void decodeEagerly(State st, Qwen2VL model, boolean adapters, int maxNew) {
        for (int step = 1; step < maxNew; step++) {
            try (NativeScope s = NativeScope.open()) {
                st.decodeStep(model, adapters);
            }
            if (step % CHECK_EVERY == 0 && st.allFinished()) {
                return;
            }
        }
    }

    private static void decodeWithGraph(State st, Qwen2VL model, boolean adapters, int maxNew) {
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

    /** The device-side buffers of one group's decoding; all allocated before the first decode step. */
    private static final class State {
        final Device device;
        final int g;
        final DeviceSampler sampler;
        final Tensor[] keys;
        final Tensor[] values;
        final Tensor cos; // [capacity, headDim]: the rotary table of decode positions (all three M-RoPE axes equal)
        final Tensor sin;
        final Tensor slots; // 0..capacity-1 (int64), for the attention mask
        final Tensor token; // [g, 1] int64: the token fed to the next step
        final Tensor position; // [1] int64: its cache slot
        final Qwen2VLConfig c;
        final List<FusedDecodeWeights.Layer> fused; // null: the unfused step
        final Tensor sinSigned; // fused: [capacity, headDim], sin with its first half negated (rotate_half's sign)
        final Tensor maskRows; // fused: [capacity, capacity] additive mask, row p: 0 at slots ≤ p, −∞ after
        final Tensor[] kvs; // fused with sdpa: [g, 2·kvHeads, capacity, headDim] per layer, keys then values
        final Tensor eye; // fused: [headDim, headDim] identity
        final Tensor swap; // fused: [headDim, headDim], moves entry j to j ± headDim/2 (rotate_half without the sign)
        final Tensor rotations; // fused: [heads + 2·kvHeads, headDim, headDim]: the step's rotary matrix, v heads eye
        final boolean sdpa; // attention by libtorch's kernel (fused: o's input columns ordered by query group)
        OpCounter.Counts layerCounts = new OpCounter.Counts(0, 0); // the decoder layers' share of the last step

        State(Qwen2VL model, int g, int capacity, int promptLength, long ropeDelta, SamplingParams params, int[] eos,
              RandomGenerator rng, Device device, List<FusedDecodeWeights.Layer> fused, boolean sdpa) {
            this.c = model.config();
            this.fused = fused;
            this.device = device;
            this.sdpa = sdpa;
            this.g = g;
            this.sampler = new DeviceSampler(params, g, c.vocabSize(), eos, rng, device);
            int layers = c.numLayers();
            int kv = c.numKvHeads();
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
            long[][][] ids = new long[1][3][capacity];
            for (int a = 0; a < 3; a++) {
                for (int j = 0; j < capacity; j++) {
                    ids[0][a][j] = RopeIndex.decodePosition(j, ropeDelta);
                }
            }
            Tensor[] rope = RotaryTables.mrope(ids, c.mropeSection(), c.ropeTheta(), c.headDim(), model.dtype(), device);
            cos = rope[0].view(capacity, c.headDim());
            sin = rope[1].view(capacity, c.headDim());
            slots = Tensor.arange(0, capacity, DType.I64, device);
            token = Tensor.zeros(DType.I64, device, g, 1);
            position = Tensor.full(promptLength, DType.I64, device, 1);
            if (fused != null) {
                int half = hd / 2;
                sinSigned = Tensor.cat(List.of(sin.narrow(1, 0, half).neg(), sin.narrow(1, half, half)), 1);
                Tensor later = slots.unsqueeze(0).gt(slots.unsqueeze(1)); // [p, slot]: slot > p
                maskRows = Tensor.zeros(model.dtype(), device, capacity, capacity)
                        .maskedFill(later, Double.NEGATIVE_INFINITY);
                Tensor index = Tensor.arange(0, hd, DType.I64, device);
                eye = index.unsqueeze(1).eq(index.unsqueeze(0)).to(model.dtype());
                swap = eye.roll(half, 0);
                rotations = eye.unsqueeze(0).expand(c.numHeads() + 2 * kv, hd, hd).contiguous();
            } else {
                sinSigned = null;
                maskRows = null;
                eye = null;
                swap = null;
                rotations = null;
            }
        }

        /** Runs the prompt once, copies its keys and values into every row's cache, and picks the first tokens. */
        void prefill(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds, RopeIndex.Positions pos,
                     boolean adapters) {
            try (KvCache cache = new KvCache(c.numLayers())) {
                Tensor h = model.hidden(model.embed(new int[][] {prompt}, imageEmbeds), new long[][][] {pos.ids()}, cache,
                        adapters, null);
                for (int i = 0; i < keys.length; i++) {
                    keys[i].narrow(2, 0, prompt.length).copy_(cache.keys(i));
                    values[i].narrow(2, 0, prompt.length).copy_(cache.values(i));
                }
                Tensor logits = model.logits(h.narrow(1, h.size(1) - 1, 1)).to(DType.F32).view(1, c.vocabSize());
                token.copy_(sampler.pickAndRecord(logits.expand(g, c.vocabSize())).view(g, 1));
            }
        }

        /** One token for every row: fixed shapes and addresses, no host synchronisation (graph-capturable). */
        void decodeStep(Qwen2VL model, boolean adapters) {
            advance(logits(model, adapters));
        }

        /** The next position's float32 logits {@code [g, vocab]}; writes this step's keys and values. */
        Tensor logits(Qwen2VL model, boolean adapters) {
            return fused != null ? logitsFused(model) : logitsUnfused(model, adapters);
        }

        /** Picks and records the next tokens from {@code logits} and moves to the next position. */
        void advance(Tensor logits) {
            token.copy_(sampler.pickAndRecord(logits).view(g, 1));
            position.addInt_(1);
        }

        /**
         * The fused step. Per layer: RMSNorm · q/k/v projection · one batched matmul that rotates q and k (and passes v
         * through) · one cache write of k and v · attention · o projection added into the residual · RMSNorm · gate/up
         * projection · SiLU and product in place · down projection added into the residual.
         */
        private Tensor logitsFused(Qwen2VL model) {
            Qwen2VLWeights w = model.weights();
            int h = c.numHeads();
            int kv = c.numKvHeads();
            int hd = c.headDim();
            int heads = h + 2 * kv;
            long inter = c.intermediateSize();
            double eps = c.rmsNormEps();
            Tensor x = Tensor.embedding(w.embedTokens(), token.view(g)); // [g, hidden], updated in place below
            // x·cos + rotate_half(x)·sin as x·R; column j of R: cos_j at row j, ∓sin_j at row (j + hd/2) mod hd
            Tensor cs = cos.indexSelect(0, position);
            Tensor sn = sinSigned.indexSelect(0, position);
            Tensor rotation = eye.mul(cs).addcmul_(swap, sn, 1.0);
            rotations.narrow(0, 0, h + kv).copy_(rotation.unsqueeze(0).expand(h + kv, hd, hd));
            Tensor mask = maskRows.indexSelect(0, position).view(1, 1, 1, maskRows.size(1));
            OpCounter.Counts before = OpCounter.snapshot();
            for (int i = 0; i < fused.size(); i++) {
                FusedDecodeWeights.Layer l = fused.get(i);
                Tensor qkv = Tensor.linear(x.rmsNorm(l.inputNorm(), eps), l.qkv(), l.qkvBias()); // [g, heads·hd]
                Tensor rotated = qkv.view(g, heads, hd).transpose(0, 1).matmul(rotations); // [heads, g, hd]
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
            return model.logits(x.rmsNorm(w.norm(), eps)).to(DType.F32);
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
            int h = c.numHeads();
            int kv = c.numKvHeads();
            int hd = c.headDim();
            int group = h / kv;
            Tensor x = Tensor.embedding(w.embedTokens(), token); // [g, 1, hidden]
            Tensor cs = cos.indexSelect(0, position).view(1, 1, 1, hd);
            Tensor sn = sin.indexSelect(0, position).view(1, 1, 1, hd);
            Tensor visible = slots.lt(position.add(1)).view(1, 1, 1, slots.size(0));
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
            return model.logits(LanguageModel.norm(x, w.norm(), c.rmsNormEps())).to(DType.F32).view(g, c.vocabSize());
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

        List<Generation.Sample> results(int maxNew) {
            return sampler.record().samples(maxNew).stream()
                    .map(x -> new Generation.Sample(x.tokens(), x.logProbs(), x.endedWithEos())).toList();
        }
    }
}
