package org.visualrft.model.qwenvl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.qwen2vl.StaticDecoder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.DeviceDecodeLoop;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.sampling.Sampler;
import org.visualrft.model.sampling.TokenHistory;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Several prompts' groups of {@code g} samples decoded together: one cache for all {@code prompts · g} rows. Each
 * prompt is prefilled alone (its own image embeddings, DeepStack included) into columns {@code [0, P_i)} of its rows;
 * the new tokens share the columns from {@code P_max} on, and a row never sees the unused columns {@code [P_i, P_max)}.
 * A generated token of prompt i at decode step t has M-RoPE id {@code P_i + ropeDelta_i + t} on all three axes, what
 * {@link QwenVlGeneration} gives it alone. Group i draws only from its own generator, in the order its lone decode
 * draws, so the groups are each prompt's own {@link QwenVlGeneration#sample} / {@link QwenVlGeneration#sampleOnDevice}
 * up to float rounding.
 */
public final class QwenVlGroups {
    private QwenVlGroups() {
    }

    /** One prompt ready for the decoder: its ids (image pads expanded), image grids and encoded images. */
    public record Input(int[] ids, List<int[]> grids, QwenVl.Images images) {
    }

    /** With the Java sampler ({@link Sampler}, what {@link QwenVlGeneration#sample} uses): one list of g per prompt. */
    public static List<List<DecodeLoop.Sample>> sample(QwenVl model, List<Input> prompts, int g, SamplingParams params, int[] eos,
                                                       List<? extends RandomGenerator> rngs, boolean adapters) {
        check(prompts, g, rngs);
        int n = prompts.size();
        int rows = n * g;
        int v = model.config().text().vocabSize();
        int maxNew = params.maxNewTokens();
        int[][] tokens = new int[rows][maxNew];
        float[][] logps = new float[rows][maxNew];
        int[] length = new int[rows];
        boolean[] done = new boolean[rows];
        TokenHistory history = TokenHistory.forGroups(params, ids(prompts), g);
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open();
             Chunk c = new Chunk(model, prompts, g, maxNew, adapters)) {
            float[] all;
            try (NativeScope s = NativeScope.open()) {
                all = rowsOf(c.prefill(), n, g, v).to(DType.F32).toFloats();
            }
            long[] next = new long[rows];
            for (int step = 0; step < maxNew; step++) {
                boolean allDone = true;
                for (int r = 0; r < rows; r++) {
                    // rows of group i draw from rngs(i) in row order, skipping finished rows: DecodeLoop's order
                    if (done[r]) {
                        next[r] = tokens[r][length[r] - 1];
                        continue;
                    }
                    Sampler.Pick pick = Sampler.sampleRow(all, r * v, v, Double.NaN, params, history.of(r),
                            rngs.get(r / g), step, r);
                    history.add(r, pick.token());
                    next[r] = pick.token();
                    tokens[r][length[r]] = pick.token();
                    logps[r][length[r]] = pick.logProb();
                    length[r]++;
                    done[r] = Arrays.stream(eos).anyMatch(e -> e == pick.token());
                    allDone &= done[r];
                }
                if (allDone || step == maxNew - 1) {
                    break;
                }
                try (NativeScope s = NativeScope.open()) {
                    all = c.step(Tensor.fromLongs(next, rows).on(model.device())).to(DType.F32).toFloats();
                }
            }
        }
        List<List<DecodeLoop.Sample>> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<DecodeLoop.Sample> group = new ArrayList<>(g);
            for (int r = i * g; r < (i + 1) * g; r++) {
                group.add(new DecodeLoop.Sample(Arrays.copyOf(tokens[r], length[r]), Arrays.copyOf(logps[r], length[r]),
                        done[r]));
            }
            out.add(group);
        }
        return out;
    }

    /** With the device sampler ({@link DeviceDecodeLoop#runGroups}, what a GPU runs; group i draws what it draws alone). */
    public static List<List<DecodeLoop.Sample>> sampleOnDevice(QwenVl model, List<Input> prompts, int g, SamplingParams params,
                                                               int[] eos, List<? extends RandomGenerator> rngs, boolean adapters) {
        check(prompts, g, rngs);
        int[] maxNew = new int[prompts.size()];
        Arrays.fill(maxNew, params.maxNewTokens()); // generate's own limit: the prompt's length does not cut it
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open();
             Chunk c = new Chunk(model, prompts, g, params.maxNewTokens(), adapters)) {
            return DeviceDecodeLoop.runGroups(c, g, maxNew, model.config().text().vocabSize(), ids(prompts), params,
                    eos, rngs,
                    model.device());
        }
    }

    /**
     * With the static-cache engine ({@link StaticDecoder}: a cache of fixed size, the fused decode step, and on CUDA
     * the step replayed as a CUDA graph unless {@code useGraph} is false): what a GPU runs unless
     * {@code -Dvrft.decode.static=false}. It samples from the same {@code DeviceSampler} in the same order as
     * {@link #sampleOnDevice}, so the groups are the same up to float rounding.
     */
    public static List<List<DecodeLoop.Sample>> sampleStatic(QwenVl model, List<Input> prompts, int g,
                                                             SamplingParams params, int[] eos,
                                                             List<? extends RandomGenerator> rngs, boolean adapters,
                                                             boolean useGraph) {
        check(prompts, g, rngs);
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            List<StaticDecoder.PromptInput> in = new ArrayList<>(prompts.size());
            for (Input p : prompts) {
                RopeIndex.Positions pos = model.positions(p.ids(), p.grids());
                in.add(new StaticDecoder.PromptInput(p.ids(), pos.ropeDelta(),
                        cache -> model.prefill(p.ids(), pos, p.images(), cache, adapters)));
            }
            return StaticDecoder.sampleGroups(model, in, g, params, eos, rngs, adapters, useGraph,
                    StaticDecoder.DecodeStep.FUSED);
        }
    }

    /** Each prompt's ids (image pads expanded): the start of its rows' histories. */
    private static List<int[]> ids(List<Input> prompts) {
        return prompts.stream().map(Input::ids).toList();
    }

    private static void check(List<Input> prompts, int g, List<? extends RandomGenerator> rngs) {
        if (prompts.isEmpty() || rngs.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + rngs.size() + " generators");
        }
        if (g < 1) {
            throw new IllegalArgumentException("G must be >= 1, got " + g);
        }
    }

    /** {@code [n, V]} prefill logits, each prompt's repeated for its g rows: {@code [n·g, V]}. */
    private static Tensor rowsOf(Tensor first, int n, int g, int v) {
        return first.reshape(n, 1, v).expand(n, g, v).reshape((long) n * g, v);
    }

    /** The shared cache, each row's visible columns and its decode rotary tables. */
    private static final class Chunk implements AutoCloseable, DeviceDecodeLoop.Steps {
        private final QwenVl model;
        private final List<Input> prompts;
        private final int g;
        private final boolean adapters;
        private final int pMax;
        private final KvCache cache;
        private final Tensor visible; // [rows, 1, 1, pMax + maxNew] bool; null when every prefix is as long
        private final Tensor[] rope; // cos, sin [n, 1, steps, headDim]: prompt i's decode ids from P_i + ropeDelta_i
        private final List<RopeIndex.Positions> positions = new ArrayList<>(); // each prompt's M-RoPE ids

        Chunk(QwenVl model, List<Input> prompts, int g, int maxNew, boolean adapters) {
            this.model = model;
            this.prompts = prompts;
            this.g = g;
            this.adapters = adapters;
            int n = prompts.size();
            int steps = Math.max(1, maxNew - 1);
            int longest = 0;
            List<Tensor> cos = new ArrayList<>(n);
            List<Tensor> sin = new ArrayList<>(n);
            for (Input p : prompts) {
                longest = Math.max(longest, p.ids().length);
                RopeIndex.Positions pos = model.positions(p.ids(), p.grids());
                positions.add(pos);
                Tensor[] t = model.decodeRope(RopeIndex.decodePosition(p.ids().length, pos.ropeDelta()), steps);
                cos.add(t[0]);
                sin.add(t[1]);
            }
            pMax = longest;
            rope = new Tensor[] {Tensor.cat(cos, 0), Tensor.cat(sin, 0)};
            visible = visibleColumns(prompts, g, pMax, pMax + maxNew, model);
            cache = new KvCache(model.config().text().numLayers());
        }

        /** Each prompt alone (batch 1) into its group's rows; the logits of each prompt's last position {@code [n, V]}. */
        Tensor prefill() {
            int layers = model.config().text().numLayers();
            List<List<Tensor>> keys = new ArrayList<>();
            List<List<Tensor>> values = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
            }
            List<Tensor> lasts = new ArrayList<>(prompts.size());
            List<KvCache> own = new ArrayList<>(prompts.size());
            try {
                for (int i = 0; i < prompts.size(); i++) {
                    Input p = prompts.get(i);
                    KvCache one = new KvCache(layers);
                    own.add(one);
                    Tensor h = model.prefill(p.ids(), positions.get(i), p.images(), one, adapters);
                    lasts.add(model.logits(h.narrow(1, h.size(1) - 1, 1)));
                    for (int l = 0; l < layers; l++) {
                        keys.get(l).add(padded(one.keys(l)));
                        values.get(l).add(padded(one.values(l)));
                    }
                }
                for (int l = 0; l < layers; l++) {
                    cache.append(l, Tensor.cat(keys.get(l), 0), Tensor.cat(values.get(l), 0));
                }
            } finally {
                own.forEach(KvCache::close); // the shared cache holds copies
            }
            cache.advance(pMax);
            return Tensor.cat(lasts, 0).view(prompts.size(), model.config().text().vocabSize());
        }

        /** A prompt's {@code [1, kv, P_i, d]} keys or values, zeros to {@code P_max} columns, for its g rows. */
        private Tensor padded(Tensor t) {
            long[] sh = t.shape();
            Tensor full = sh[2] == pMax ? t
                    : Tensor.cat(List.of(t, Tensor.zeros(t.dtype(), t.device(), sh[0], sh[1], pMax - sh[2], sh[3])), 2);
            return full.expand(g, sh[1], pMax, sh[3]);
        }

        /** The device loop's prefill: {@link #prefill()}, each prompt once and its group's rows served. */
        @Override
        public Tensor prefill(int rows) {
            return prefill();
        }

        /** One new token per row ({@code tokens [rows]}, int64 on the device); the logits {@code [rows, V]}. */
        @Override
        public Tensor step(Tensor tokens) {
            int n = prompts.size();
            long rows = (long) n * g;
            long t = cache.length() - pMax; // decode steps so far
            long hd = rope[0].size(3);
            Tensor[] at = new Tensor[2];
            for (int i = 0; i < 2; i++) {
                at[i] = rope[i].narrow(2, t, 1).unsqueeze(1).expand(n, g, 1, 1, hd).reshape(rows, 1, 1, hd);
            }
            Tensor mask = visible == null ? null : visible.narrow(3, 0, cache.length() + 1);
            Tensor x = Tensor.embedding(model.weights().embedTokens(), tokens.view(rows, 1));
            Tensor h = model.hiddenStep(new QwenVl.Embedded(x, null, null), at, cache, mask, adapters);
            return model.logits(h).view(rows, model.config().text().vocabSize());
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    /**
     * Which cache columns each row may attend to, {@code [rows, 1, 1, columns]} (bool): its own prefix
     * {@code [0, P_i)} and the new tokens from {@code P_max} on. Null when all prefixes are as long (nothing to hide).
     */
    private static Tensor visibleColumns(List<Input> prompts, int g, int pMax, int columns, QwenVl model) {
        long[] start = new long[prompts.size() * g];
        boolean ragged = false;
        for (int r = 0; r < start.length; r++) {
            start[r] = prompts.get(r / g).ids().length;
            ragged |= start[r] != pMax;
        }
        if (!ragged) {
            return null;
        }
        Tensor column = Tensor.arange(0, columns, DType.I64, model.device()).view(1, columns);
        Tensor own = Tensor.fromLongs(start, start.length, 1).on(model.device());
        return column.lt(own).logicalOr(column.ge(pMax)).view(start.length, 1, 1, columns);
    }
}
