package org.visualrft.model.qwen2vl;

import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The Qwen2 decoder: pre-norm layers of grouped-query attention with multimodal rotary embeddings and a SwiGLU MLP,
 * then a final RMSNorm. Runs a whole prompt, or new tokens on top of a {@link KvCache}.
 */
public final class LanguageModel {
    private LanguageModel() {
    }

    /**
     * @param x       input embeddings {@code [batch, seq, hidden]}
     * @param rope    cos and sin, {@code [batch, 1, seq, headDim]}
     * @param cache   when not null, the keys and values of earlier tokens; this call's are appended
     * @param adapters whether LoRA adapters apply (false gives the base model: GRPO's reference)
     * @param hiddenTrace when not null, receives the input and each layer's output (HF's hidden_states)
     * @return the final-norm hidden states {@code [batch, seq, hidden]}
     */
    public static Tensor forward(Qwen2VLWeights w, Qwen2VLConfig c, Tensor x, Tensor[] rope, KvCache cache,
                                 boolean adapters, java.util.List<Tensor> hiddenTrace) {
        if (hiddenTrace != null) {
            hiddenTrace.add(x);
        }
        for (int i = 0; i < w.layers().size(); i++) {
            x = layer(w, c, i, x, rope, cache, adapters);
            if (hiddenTrace != null && i < w.layers().size() - 1) {
                hiddenTrace.add(x);
            }
        }
        if (cache != null) {
            cache.advance(x.size(1));
        }
        Tensor out = norm(x, w.norm(), c.rmsNormEps());
        if (hiddenTrace != null) {
            hiddenTrace.add(out);
        }
        return out;
    }

    /**
     * Decoder layer {@code i} on {@code x} ({@code [batch, seq, hidden]}), in a native scope of its own that frees its
     * temporaries at once (autograd keeps what backward needs by reference). Without a cache, also what activation
     * checkpointing runs again ({@link org.visualrft.model.tensor.LayerCheckpoints}).
     */
    public static Tensor layer(Qwen2VLWeights w, Qwen2VLConfig c, int i, Tensor x, Tensor[] rope, KvCache cache,
                               boolean adapters) {
        try (NativeScope s = NativeScope.open()) {
            Qwen2VLWeights.Layer l = w.layers().get(i);
            Tensor h = norm(x, l.inputNorm(), c.rmsNormEps());
            Tensor y = x.add(attention(l, c, i, h, rope, cache, adapters));
            h = norm(y, l.postNorm(), c.rmsNormEps());
            Tensor g = l.gate().forward(h, adapters).silu();
            return s.keep(y.add(l.down().forward(g.mul(l.up().forward(h, adapters)), adapters)));
        }
    }

    /** Qwen2RMSNorm: normalise in float32, cast back, then scale. */
    public static Tensor norm(Tensor x, Tensor weight, double eps) {
        DType dt = x.dtype();
        if (dt == DType.F32) {
            return x.rmsNorm(weight, eps);
        }
        Tensor xf = x.to(DType.F32);
        Tensor n = xf.mul(xf.square().mean(-1, true).add(eps).rsqrt()).to(dt);
        return n.mul(weight);
    }

    private static Tensor attention(Qwen2VLWeights.Layer l, Qwen2VLConfig c, int layer, Tensor h, Tensor[] rope,
                                    KvCache cache, boolean adapters) {
        long b = h.size(0);
        long s = h.size(1);
        int hd = c.headDim();
        Tensor q = l.q().forward(h, adapters).view(b, s, c.numHeads(), hd).transpose(1, 2);
        Tensor k = l.k().forward(h, adapters).view(b, s, c.numKvHeads(), hd).transpose(1, 2);
        Tensor v = l.v().forward(h, adapters).view(b, s, c.numKvHeads(), hd).transpose(1, 2);
        Tensor o = rotateAndAttend(q, k, v, rope, cache, layer, c.numHeads() / c.numKvHeads());
        o = o.transpose(1, 2).reshape(b, s, (long) c.numHeads() * hd);
        return l.o().forward(o, adapters);
    }

    /**
     * Attention of a decoder layer after the projections: q and k rotated by {@code rope} (cos, sin), k and v appended
     * to {@code cache} when there is one, kv heads repeated {@code groups} times. A whole prompt attends causally, one
     * new token sees the whole cache, several new tokens see the cache and the new ones up to themselves.
     *
     * @param q {@code [b, heads, s, d]}
     * @param k {@code [b, kvHeads, s, d]}, as is {@code v}
     * @return {@code [b, heads, s, d]}
     */
    public static Tensor rotateAndAttend(Tensor q, Tensor k, Tensor v, Tensor[] rope, KvCache cache, int layer, int groups) {
        long s = q.size(2);
        q = q.mul(rope[0]).add(VisionTower.rotateHalf(q).mul(rope[1]));
        k = k.mul(rope[0]).add(VisionTower.rotateHalf(k).mul(rope[1]));
        long past = 0;
        if (cache != null) {
            past = cache.length();
            cache.append(layer, k, v);
            k = cache.keys(layer);
            v = cache.values(layer);
        }
        k = repeatKv(k, groups);
        v = repeatKv(v, groups);
        if (past == 0 || s == 1) {
            return Attention.apply(q, k, v, null, past == 0);
        }
        Tensor row = Tensor.arange(past, past + s, DType.I64, q.device()).unsqueeze(1);
        Tensor col = Tensor.arange(0, past + s, DType.I64, q.device()).unsqueeze(0);
        return Attention.apply(q, k, v, col.gt(row).logicalNot(), false);
    }

    /** [b, kv, s, d] → [b, kv·n, s, d], each kv head repeated n times in a row (HF's repeat_kv). */
    public static Tensor repeatKv(Tensor x, int n) {
        if (n == 1) {
            return x;
        }
        long[] sh = x.shape();
        return x.unsqueeze(2).expand(sh[0], sh[1], n, sh[2], sh[3]).reshape(sh[0], sh[1] * n, sh[2], sh[3]);
    }
}
