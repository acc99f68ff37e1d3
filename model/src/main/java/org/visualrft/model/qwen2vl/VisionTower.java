package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2-VL's vision transformer: patch embedding (a Conv3d whose stride equals its kernel, i.e. one matmul per patch),
 * pre-norm blocks with 2-D rotary attention that only looks within the same frame of the same image, and the patch
 * merger that turns each 2×2 block of patches into one language-model token.
 */
public final class VisionTower {
    private VisionTower() {
    }

    /**
     * @param pixels {@code [patches, C·T·P·P]} rows in processor order, all images concatenated
     * @param grids  one (t, h, w) per image
     * @param trace  when not null, receives the intermediates: patch embeddings, rotary angles, then each block's output
     * @param adapters whether the linear layers' LoRA adapters apply (false: the base tower)
     * @return {@code [patches / merge², hidden]} image embeddings in the weights' dtype
     */
    public static Tensor forward(Qwen2VLWeights.Vision w, Qwen2VLConfig.Vision c, Tensor pixels, List<int[]> grids, List<Tensor> trace,
            boolean adapters) {
        Blocks s = blocks(w, c, pixels, grids, trace, adapters);
        Tensor x = s.input();
        for (int i = 0; i < w.blocks().size(); i++) {
            x = s.block().apply(i, x);
            if (trace != null) {
                trace.add(x);
            }
        }
        return merge(w, c, x, adapters);
    }

    /**
     * {@link #forward} for a training forward with activation checkpointing (Hugging Face's gradient checkpointing of
     * the vision blocks): the blocks keep only their inputs and run again in the returned backward, which the caller
     * runs after the gradient reached the image embeddings (after the language model's backward).
     */
    public static LayerCheckpoints.Forward forwardCheckpointed(Qwen2VLWeights.Vision w, Qwen2VLConfig.Vision c,
            Tensor pixels, List<int[]> grids, boolean adapters) {
        Blocks s = blocks(w, c, pixels, grids, null, adapters);
        return LayerCheckpoints.run(s.input(), w.blocks().size(), s.block()).then(x -> merge(w, c, x, adapters));
    }

    /** The patch embeddings and the blocks as one function of (block index, hidden state). */
    private record Blocks(Tensor input, LayerCheckpoints.Layer block) {
    }

    private static Blocks blocks(Qwen2VLWeights.Vision w, Qwen2VLConfig.Vision c, Tensor pixels, List<int[]> grids,
            List<Tensor> trace, boolean adapters) {
        DType dtype = w.patchEmbed().dtype();
        long patches = pixels.size(0);
        Tensor x = Tensor.linear(pixels.to(dtype), w.patchMatrix(), null); // [P, embed]
        if (trace != null) {
            trace.add(x);
        }
        int hd = c.headDim();
        float[] angles = RotaryTables.visionAngles(grids, hd, c.spatialMergeSize());
        Tensor freqs = Tensor.fromFloats(angles, patches, hd / 2).on(pixels.device());
        if (trace != null) {
            trace.add(freqs);
        }
        Tensor full = Tensor.cat(List.of(freqs, freqs), -1); // [P, hd]: rotate_half pairs dim j with j + hd/2
        Tensor cos = full.cos().unsqueeze(1); // [P, 1, hd], float32 as in HF
        Tensor sin = full.sin().unsqueeze(1);
        Tensor frames = frameMask(grids, patches);
        Tensor mask = frames == null ? null : frames.on(pixels.device());
        return new Blocks(x, (i, h) -> block(w.blocks().get(i), c, h, cos, sin, mask, adapters));
    }

    /** One pre-norm block, in a native scope of its own that frees its temporaries at once. */
    private static Tensor block(Qwen2VLWeights.VisionBlock b, Qwen2VLConfig.Vision c, Tensor x, Tensor cos, Tensor sin,
            Tensor mask, boolean adapters) {
        try (NativeScope s = NativeScope.open()) {
            Tensor h = x.layerNorm(b.norm1W(), b.norm1B(), 1e-6);
            Tensor y = x.add(attention(b, c, h, cos, sin, mask, adapters));
            h = y.layerNorm(b.norm2W(), b.norm2B(), 1e-6);
            h = b.fc1().forward(h, adapters);
            h = c.hiddenAct().equals("quick_gelu") ? h.mul(h.mul(1.702).sigmoid()) : h.gelu();
            return s.keep(y.add(b.fc2().forward(h, adapters)));
        }
    }

    /** The patch merger: each 2×2 block of patches into one language-model token. */
    private static Tensor merge(Qwen2VLWeights.Vision w, Qwen2VLConfig.Vision c, Tensor x, boolean adapters) {
        int m2 = c.spatialMergeSize() * c.spatialMergeSize();
        Tensor y = x.layerNorm(w.lnQW(), w.lnQB(), 1e-6).reshape(x.size(0) / m2, (long) c.embedDim() * m2);
        y = w.mlp0().forward(y, adapters).gelu();
        return w.mlp2().forward(y, adapters);
    }

    private static Tensor attention(Qwen2VLWeights.VisionBlock b, Qwen2VLConfig.Vision c, Tensor h, Tensor cos, Tensor sin, Tensor mask,
            boolean adapters) {
        long seq = h.size(0);
        int heads = c.numHeads();
        int hd = c.headDim();
        Tensor qkv = b.qkv().forward(h, adapters).reshape(seq, 3, heads, hd);
        Tensor q = rotate(qkv.select(1, 0), cos, sin); // [P, heads, hd]
        Tensor k = rotate(qkv.select(1, 1), cos, sin);
        Tensor v = qkv.select(1, 2);
        // [1, heads, P, hd]; attention restricted to the same frame by the boolean mask
        Tensor o = Attention.apply(q.transpose(0, 1).unsqueeze(0), k.transpose(0, 1).unsqueeze(0),
                v.transpose(0, 1).unsqueeze(0), mask, false);
        o = o.squeeze(0).transpose(0, 1).reshape(seq, (long) heads * hd);
        return b.proj().forward(o, adapters);
    }

    /** x·cos + rotate_half(x)·sin in float32, back to x's dtype (as HF's apply_rotary_pos_emb_vision). */
    private static Tensor rotate(Tensor x, Tensor cos, Tensor sin) {
        DType dt = x.dtype();
        Tensor xf = x.to(DType.F32);
        return xf.mul(cos).add(rotateHalf(xf).mul(sin)).to(dt);
    }

    public static Tensor rotateHalf(Tensor x) {
        long half = x.size(-1) / 2;
        Tensor x1 = x.narrow(-1, 0, half);
        Tensor x2 = x.narrow(-1, half, half);
        return Tensor.cat(List.of(x2.neg(), x1), -1);
    }

    /** Block-diagonal boolean mask {@code [P, P]}: patches attend within their own frame (HF's cu_seqlens). */
    static Tensor frameMask(List<int[]> grids, long patches) {
        List<long[]> spans = new ArrayList<>();
        long start = 0;
        for (int[] g : grids) {
            for (int t = 0; t < g[0]; t++) {
                long len = (long) g[1] * g[2];
                spans.add(new long[] {start, len});
                start += len;
            }
        }
        if (spans.size() == 1) {
            return null; // one frame: everything attends to everything
        }
        long[] frame = new long[(int) patches];
        for (int f = 0; f < spans.size(); f++) {
            for (long i = spans.get(f)[0]; i < spans.get(f)[0] + spans.get(f)[1]; i++) {
                frame[(int) i] = f;
            }
        }
        Tensor ids = Tensor.fromLongs(frame, patches);
        return ids.unsqueeze(1).eq(ids.unsqueeze(0));
    }
}
