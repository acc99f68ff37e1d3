package org.visualrft.model.qwenvl;

import java.util.List;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.qwen2vl.Attention;
import org.visualrft.model.qwen2vl.VisionTower;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * The attention both vision towers share: fused qkv, the 2-D rotary embedding applied in float32, attention restricted
 * to segments of consecutive patches (a frame, or a Qwen2.5-VL window: transformers' cu_seqlens), output projection.
 */
final class VisionAttention {
    private VisionAttention() {
    }

    /** cos and sin {@code [P, 1, headDim]} (float32, as transformers keeps them) from the angles {@code [P, headDim/2]}. */
    static Tensor[] rotary(float[] angles, long patches, int headDim, Tensor like) {
        Tensor freqs = Tensor.fromFloats(angles, patches, headDim / 2).to(like.device());
        Tensor full = Tensor.cat(List.of(freqs, freqs), -1); // rotate_half pairs dim j with j + headDim/2
        return new Tensor[] {full.cos().unsqueeze(1), full.sin().unsqueeze(1)};
    }

    static Tensor forward(Linear qkvProj, Linear outProj, int heads, Tensor h, Tensor[] rope, Tensor allowed,
            boolean adapters) {
        long seq = h.size(0);
        long hd = h.size(1) / heads;
        Tensor qkv = qkvProj.forward(h, adapters).reshape(seq, 3, heads, hd);
        Tensor q = rotate(qkv.select(1, 0), rope);
        Tensor k = rotate(qkv.select(1, 1), rope);
        Tensor v = qkv.select(1, 2);
        Tensor o = Attention.apply(q.transpose(0, 1).unsqueeze(0), k.transpose(0, 1).unsqueeze(0),
                v.transpose(0, 1).unsqueeze(0), allowed, false);
        return outProj.forward(o.squeeze(0).transpose(0, 1).reshape(seq, heads * hd), adapters);
    }

    private static Tensor rotate(Tensor x, Tensor[] rope) {
        DType dt = x.dtype();
        Tensor xf = x.to(DType.F32);
        return xf.mul(rope[0]).add(VisionTower.rotateHalf(xf).mul(rope[1])).to(dt);
    }

    /**
     * Boolean {@code [P, P]} mask, true where two patches lie in the same segment; segments are consecutive runs of
     * the given lengths (zero lengths allowed). Null when there is one segment: everything attends to everything.
     */
    static Tensor segmentMask(long[] lengths, Tensor like) {
        int nonEmpty = 0;
        long total = 0;
        for (long l : lengths) {
            nonEmpty += l > 0 ? 1 : 0;
            total += l;
        }
        if (nonEmpty <= 1) {
            return null;
        }
        long[] seg = new long[(int) total];
        int p = 0;
        for (int s = 0; s < lengths.length; s++) {
            for (long i = 0; i < lengths[s]; i++) {
                seg[p++] = s;
            }
        }
        Tensor ids = Tensor.fromLongs(seg, total).to(like.device());
        return ids.unsqueeze(1).eq(ids.unsqueeze(0));
    }

    /** Patches per frame, frame after frame, image after image. */
    static long[] frameLengths(List<int[]> grids) {
        int frames = 0;
        for (int[] g : grids) {
            frames += g[0];
        }
        long[] out = new long[frames];
        int f = 0;
        for (int[] g : grids) {
            for (int t = 0; t < g[0]; t++) {
                out[f++] = (long) g[1] * g[2];
            }
        }
        return out;
    }

    static long patches(List<int[]> grids) {
        long n = 0;
        for (int[] g : grids) {
            n += (long) g[0] * g[1] * g[2];
        }
        return n;
    }

    /** Qwen2RMSNorm (float32 inside, scaled in the input's dtype); with a bias, a LayerNorm. */
    static Tensor norm(Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? org.visualrft.model.qwen2vl.LanguageModel.norm(x, weight, 1e-6) : x.layerNorm(weight, bias, 1e-6);
    }

    /** A patch merger: norm before (Qwen2.5-VL, Qwen3-VL's main merger) or after grouping each merge² patches. */
    static Tensor merge(QwenVlWeights.Merger m, Tensor x, int unit, boolean normAfterGrouping, boolean adapters) {
        long width = x.size(1) * unit;
        Tensor y = normAfterGrouping ? norm(x.reshape(-1, width), m.normW(), m.normB())
                : norm(x, m.normW(), m.normB()).reshape(-1, width);
        return m.fc2().forward(m.fc1().forward(y, adapters).gelu(), adapters);
    }
}
