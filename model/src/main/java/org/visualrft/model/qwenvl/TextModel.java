package org.visualrft.model.qwenvl;

import java.util.List;
import org.visualrft.model.qwen2vl.Attention;
import org.visualrft.model.qwen2vl.LanguageModel;
import org.visualrft.model.qwen2vl.VisionTower;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The decoder of Qwen2.5-VL (Qwen2: q/k/v biases) and Qwen3-VL (Qwen3: per-head RMSNorm of q and k, an explicit
 * head_dim): pre-norm layers of grouped-query attention with M-RoPE and a SwiGLU MLP, then a final RMSNorm. DeepStack
 * adds a feature to the hidden states at the image tokens after each of the first layers (Qwen3-VL's prefill).
 */
final class TextModel {
    private TextModel() {
    }

    /** DeepStack input: flat positions ({@code b·seq + i}) of the image tokens and one feature {@code [n, hidden]} per layer. */
    record Deepstack(Tensor positions, List<Tensor> features) {
    }

    /**
     * @param x         input embeddings {@code [batch, seq, hidden]}
     * @param rope      cos and sin, {@code [batch, 1, seq, headDim]}
     * @param cache     when not null, the keys and values of earlier tokens; this call's are appended
     * @param visible   null, or which cache columns each row attends to, {@code [batch, 1, 1, columns]} (bool; one
     *                  new token per row): several prompts' groups decoding together in one cache
     * @param adapters  whether LoRA adapters apply (false gives the base model: GRPO's reference)
     * @param deepstack null, or the features to add after the first layers
     * @param trace     when not null, receives the input, each layer's output but the last (before DeepStack, as
     *                  transformers records them), and the final-norm output
     */
    static Tensor forward(QwenVlWeights w, QwenVlConfig.Text c, Tensor x, Tensor[] rope, KvCache cache, Tensor visible,
                          boolean adapters, Deepstack deepstack, List<Tensor> trace) {
        if (trace != null) {
            trace.add(x);
        }
        for (int i = 0; i < w.layers().size(); i++) {
            x = layer(w, c, i, x, rope, cache, visible, adapters);
            if (trace != null && i < w.layers().size() - 1) {
                trace.add(x);
            }
            x = addDeepstack(c, i, x, deepstack);
        }
        if (cache != null) {
            cache.advance(x.size(1));
        }
        Tensor out = LanguageModel.norm(x, w.norm(), c.rmsNormEps());
        if (trace != null) {
            trace.add(out);
        }
        return out;
    }

    /** Decoder layer {@code i} on {@code x}, in a native scope of its own (autograd keeps what backward needs). */
    static Tensor layer(QwenVlWeights w, QwenVlConfig.Text c, int i, Tensor x, Tensor[] rope, KvCache cache,
                        Tensor visible, boolean adapters) {
        try (NativeScope scope = NativeScope.open()) {
            QwenVlWeights.Layer l = w.layers().get(i);
            Tensor h = LanguageModel.norm(x, l.inputNorm(), c.rmsNormEps());
            Tensor y = x.add(attention(l, c, i, h, rope, cache, visible, adapters));
            h = LanguageModel.norm(y, l.postNorm(), c.rmsNormEps());
            Tensor g = l.gate().forward(h, adapters).silu();
            return scope.keep(y.add(l.down().forward(g.mul(l.up().forward(h, adapters)), adapters)));
        }
    }

    /** {@code x} with DeepStack's feature for layer {@code i} added at the image tokens (out of place); else x. */
    static Tensor addDeepstack(QwenVlConfig.Text c, int i, Tensor x, Deepstack deepstack) {
        if (deepstack == null || i >= deepstack.features().size()) {
            return x;
        }
        long b = x.size(0);
        long s = x.size(1);
        // added out of place: a traced layer output stays as it was
        Tensor f = deepstack.features().get(i).to(x.dtype());
        Tensor add = Tensor.zeros(x.dtype(), x.device(), b * s, c.hiddenSize()).indexCopy_(0, deepstack.positions(), f);
        return x.add(add.view(b, s, c.hiddenSize()));
    }

    private static Tensor attention(QwenVlWeights.Layer l, QwenVlConfig.Text c, int layer, Tensor h, Tensor[] rope,
                                    KvCache cache, Tensor visible, boolean adapters) {
        long b = h.size(0);
        long s = h.size(1);
        int hd = c.headDim();
        Tensor q = l.q().forward(h, adapters).view(b, s, c.numHeads(), hd);
        Tensor k = l.k().forward(h, adapters).view(b, s, c.numKvHeads(), hd);
        if (l.qNorm() != null) {
            q = LanguageModel.norm(q, l.qNorm(), c.rmsNormEps());
            k = LanguageModel.norm(k, l.kNorm(), c.rmsNormEps());
        }
        q = q.transpose(1, 2);
        k = k.transpose(1, 2);
        Tensor v = l.v().forward(h, adapters).view(b, s, c.numKvHeads(), hd).transpose(1, 2);
        Tensor o = visible == null ? LanguageModel.rotateAndAttend(q, k, v, rope, cache, layer, c.numHeads() / c.numKvHeads())
                : attendVisible(q, k, v, rope, cache, layer, c.numHeads() / c.numKvHeads(), visible);
        o = o.transpose(1, 2).reshape(b, s, (long) c.numHeads() * hd);
        return l.o().forward(o, adapters);
    }

    /**
     * {@link LanguageModel#rotateAndAttend} for one new token per row whose cache holds columns the row must not see
     * (another prompt's longer prefix pads its own): the same rotation and cache append, then attention over the
     * {@code visible} columns only.
     */
    private static Tensor attendVisible(Tensor q, Tensor k, Tensor v, Tensor[] rope, KvCache cache, int layer, int groups,
                                        Tensor visible) {
        q = q.mul(rope[0]).add(VisionTower.rotateHalf(q).mul(rope[1]));
        k = k.mul(rope[0]).add(VisionTower.rotateHalf(k).mul(rope[1]));
        cache.append(layer, k, v);
        return Attention.apply(q, LanguageModel.repeatKv(cache.keys(layer), groups),
                LanguageModel.repeatKv(cache.values(layer), groups), visible, false);
    }
}
