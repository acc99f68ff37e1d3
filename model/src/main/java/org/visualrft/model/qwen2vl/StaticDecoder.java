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
 * </ul>
 *
 * The random numbers come from the caller's seeded generator, drawn up front ({@code maxNew × G} uniforms, step by
 * step, row by row), so a seed gives the same samples on every device up to float rounding. Greedy draws none.
 * Results match {@link Generation} token for token under greedy decoding (same model, same dtype).
 */
public final class StaticDecoder {
    /** Steps between two reads of the "all finished" flag (each read waits for the device). */
    static final int CHECK_EVERY = 16;

    private StaticDecoder() {
    }

    /**
     * {@code g} completions of one prompt; a completion stops after any of {@code eos} (none: always maxNew tokens).
     * {@code useGraph} asks for CUDA-graph replay of the decode step (ignored on the CPU).
     */
    public static List<Generation.Sample> sample(Qwen2VL model, int[] prompt, List<int[]> grids, Tensor imageEmbeds,
                                                 int g, SamplingParams params, int[] eos, RandomGenerator rng,
                                                 boolean adapters, boolean useGraph) {
        Device device = model.device();
        Qwen2VLConfig c = model.config();
        int maxNew = params.maxNewTokens();
        int capacity = prompt.length + maxNew;
        RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, c);
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            State st = new State(model, g, capacity, prompt.length, pos.ropeDelta(), params, eos, rng, device);
            try (NativeScope s = NativeScope.open()) {
                st.prefill(model, prompt, grids, imageEmbeds, pos, adapters);
            }
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

        State(Qwen2VL model, int g, int capacity, int promptLength, long ropeDelta, SamplingParams params, int[] eos,
              RandomGenerator rng, Device device) {
            this.c = model.config();
            this.device = device;
            this.g = g;
            this.sampler = new DeviceSampler(params, g, c.vocabSize(), eos, rng, device);
            int layers = c.numLayers();
            keys = new Tensor[layers];
            values = new Tensor[layers];
            for (int i = 0; i < layers; i++) {
                keys[i] = Tensor.zeros(model.dtype(), device, g, c.numKvHeads(), capacity, c.headDim());
                values[i] = Tensor.zeros(model.dtype(), device, g, c.numKvHeads(), capacity, c.headDim());
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
            Qwen2VLWeights w = model.weights();
            int h = c.numHeads();
            int kv = c.numKvHeads();
            int hd = c.headDim();
            int group = h / kv;
            Tensor x = Tensor.embedding(w.embedTokens(), token); // [g, 1, hidden]
            Tensor cs = cos.indexSelect(0, position).view(1, 1, 1, hd);
            Tensor sn = sin.indexSelect(0, position).view(1, 1, 1, hd);
            Tensor visible = slots.lt(position.add(1)).view(1, 1, 1, slots.size(0));
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
            Tensor logits = model.logits(LanguageModel.norm(x, w.norm(), c.rmsNormEps())).to(DType.F32).view(g, c.vocabSize());
            token.copy_(sampler.pickAndRecord(logits).view(g, 1));
            position.addInt_(1);
        }

        private Tensor attend(Tensor q, Tensor k, Tensor v, Tensor visible) {
            if (device.isCuda()) {
                return Tensor.scaledDotProductAttention(q, k, v, visible, false, false);
            }
            return Attention.apply(q, k, v, visible, false);
        }

        boolean allFinished() {
            return sampler.allFinished();
        }

        List<Generation.Sample> results(int maxNew) {
            DeviceSampler.Record r = sampler.record();
            List<Generation.Sample> out = new ArrayList<>();
            for (int i = 0; i < g; i++) {
                int n = 0;
                while (n < maxNew && r.tokens()[n * g + i] >= 0) {
                    n++;
                }
                int[] tokens = new int[n];
                float[] logps = new float[n];
                for (int j = 0; j < n; j++) {
                    tokens[j] = (int) r.tokens()[j * g + i];
                    logps[j] = r.logProbs()[j * g + i];
                }
                out.add(new Generation.Sample(tokens, logps, r.finished()[i]));
            }
            return out;
        }
    }
}
