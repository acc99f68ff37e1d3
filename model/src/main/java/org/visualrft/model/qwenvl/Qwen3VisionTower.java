package org.visualrft.model.qwenvl;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.qwen2vl.RotaryTables;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen3-VL's vision transformer: a Conv3d patch embedding with bias, plus learned absolute positions (a square table
 * bilinearly interpolated to each image's patch grid), LayerNorm blocks with 2-D rotary attention within each frame and
 * a gelu-tanh MLP, the patch merger, and DeepStack: the outputs of the blocks listed in {@code deepstack_visual_indexes}
 * go through their own mergers and are added to the first decoder layers' hidden states at the image tokens.
 */
final class Qwen3VisionTower {
    private Qwen3VisionTower() {
    }

    /**
     * @param trace when not null, receives the last block's output {@code [patches, hidden]}
     * @param checkpointed whether the blocks keep only their inputs and run again in the backward (activation
     *              checkpointing of a tower that trains; the result's {@link QwenVl.Images#backward} runs them)
     * @return the merged image embeddings {@code [patches / merge², out_hidden]} and one DeepStack feature of the same
     *         shape per listed block, in the weights' dtype
     * @param adapters whether the linear layers' LoRA adapters apply (false: the base tower)
     */
    static QwenVl.Images forward(QwenVlWeights.Vision w, QwenVlConfig.Vision c, Tensor pixels, List<int[]> grids,
            List<Tensor> trace, boolean checkpointed, boolean adapters) {
        Tensor like = w.patchEmbed();
        DType dtype = like.dtype();
        long patches = pixels.size(0);
        int unit = c.spatialMergeSize() * c.spatialMergeSize();
        Tensor x = Tensor.linear(pixels.to(like.device(), dtype), w.patchMatrix(), w.patchBias());
        x = x.add(positions(w.posEmbed(), grids, c.spatialMergeSize()));
        int hd = c.headDim();
        Tensor[] rope = VisionAttention.rotary(RotaryTables.visionAngles(grids, hd, c.spatialMergeSize()), patches, hd, like);
        Tensor frames = VisionAttention.segmentMask(VisionAttention.frameLengths(grids), like);
        int[] deepBlocks = c.deepstackBlocks();
        LayerCheckpoints.Layer block = (i, h) -> block(w.blocks().get(i), c, h, rope, frames, adapters);
        List<Tensor> deepstack = new ArrayList<>();
        Runnable backward = null;
        if (checkpointed) {
            // the DeepStack blocks' outputs are read by their mergers: the checkpointed segments end there
            LayerCheckpoints.Tapped stack = LayerCheckpoints.runTapped(x, w.blocks().size(), block, deepBlocks);
            x = stack.output();
            for (int i = 0; i < w.blocks().size(); i++) { // in block order, as the plain forward lists them
                for (int k = 0; k < deepBlocks.length; k++) {
                    if (deepBlocks[k] == i) {
                        deepstack.add(VisionAttention.merge(w.deepstackMergers().get(k), stack.tapped().get(k), unit, true,
                                adapters));
                    }
                }
            }
            backward = stack.backward();
        } else {
            for (int i = 0; i < w.blocks().size(); i++) {
                x = block.apply(i, x);
                for (int k = 0; k < deepBlocks.length; k++) {
                    if (deepBlocks[k] == i) {
                        deepstack.add(VisionAttention.merge(w.deepstackMergers().get(k), x, unit, true, adapters));
                    }
                }
            }
        }
        if (trace != null) {
            trace.add(x);
        }
        return new QwenVl.Images(VisionAttention.merge(w.merger(), x, unit, false, adapters), deepstack, backward);
    }

    /** One block (LayerNorm, attention within each frame, gelu-tanh MLP) in a native scope of its own. */
    private static Tensor block(QwenVlWeights.VisionBlock b, QwenVlConfig.Vision c, Tensor x, Tensor[] rope,
            Tensor frames, boolean adapters) {
        try (NativeScope s = NativeScope.open()) {
            Tensor h = VisionAttention.norm(x, b.norm1W(), b.norm1B());
            Tensor y = x.add(VisionAttention.forward(b.qkv(), b.proj(), c.numHeads(), h, rope, frames, adapters));
            h = VisionAttention.norm(y, b.norm2W(), b.norm2B());
            return s.keep(y.add(b.down().forward(b.up().forward(h, adapters).geluTanh(), adapters)));
        }
    }

    /**
     * The learned positions for every patch, {@code [patches, hidden]} in processor order (merge block by merge block,
     * frame after frame): the {@code side × side} table sampled bilinearly at {@code linspace(0, side-1, h)} ×
     * {@code linspace(0, side-1, w)}, computed in float32 as transformers' fast_pos_embed_interpolate.
     */
    static Tensor positions(Tensor table, List<int[]> grids, int merge) {
        int side = (int) Math.round(Math.sqrt(table.size(0)));
        List<Tensor> parts = new ArrayList<>();
        for (int[] g : grids) {
            int gh = g[1];
            int gw = g[2];
            float[] hs = linspace(side - 1, gh);
            float[] ws = linspace(side - 1, gw);
            long[][] idx = new long[4][gh * gw];
            float[][] wt = new float[4][gh * gw];
            for (int y = 0; y < gh; y++) {
                int y0 = (int) hs[y];
                int y1 = Math.min(y0 + 1, side - 1);
                float dy = hs[y] - y0;
                for (int x = 0; x < gw; x++) {
                    int x0 = (int) ws[x];
                    int x1 = Math.min(x0 + 1, side - 1);
                    float dx = ws[x] - x0;
                    int p = y * gw + x;
                    idx[0][p] = (long) y0 * side + x0;
                    idx[1][p] = (long) y0 * side + x1;
                    idx[2][p] = (long) y1 * side + x0;
                    idx[3][p] = (long) y1 * side + x1;
                    wt[0][p] = (1 - dy) * (1 - dx);
                    wt[1][p] = (1 - dy) * dx;
                    wt[2][p] = dy * (1 - dx);
                    wt[3][p] = dy * dx;
                }
            }
            Tensor grid = null;
            for (int k = 0; k < 4; k++) {
                Tensor rows = Tensor.embedding(table, Tensor.fromLongs(idx[k], idx[k].length).to(table.device()));
                Tensor term = rows.mul(Tensor.fromFloats(wt[k], wt[k].length, 1).to(table.dtype()).to(table.device()));
                grid = grid == null ? term : grid.add(term);
            }
            // raster order → merge-block order, repeated for every frame
            long[] order = new long[g[0] * gh * gw];
            int o = 0;
            for (int t = 0; t < g[0]; t++) {
                for (int bh = 0; bh < gh / merge; bh++) {
                    for (int bw = 0; bw < gw / merge; bw++) {
                        for (int mh = 0; mh < merge; mh++) {
                            for (int mw = 0; mw < merge; mw++) {
                                order[o++] = (long) (bh * merge + mh) * gw + bw * merge + mw;
                            }
                        }
                    }
                }
            }
            parts.add(grid.indexSelect(0, Tensor.fromLongs(order, order.length).to(table.device())));
        }
        return parts.size() == 1 ? parts.get(0) : Tensor.cat(parts, 0);
    }

    /** torch.linspace(0, end, steps) in float32: the first half counted up from 0, the rest down from {@code end}. */
    static float[] linspace(float end, int steps) {
        float[] out = new float[steps];
        if (steps == 1) {
            return out;
        }
        float step = end / (steps - 1);
        int halfway = steps / 2;
        for (int i = 0; i < steps; i++) {
            out[i] = i < halfway ? step * i : end - step * (steps - i - 1);
        }
        return out;
    }
}
