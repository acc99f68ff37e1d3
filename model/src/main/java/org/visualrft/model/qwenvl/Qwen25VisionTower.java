package org.visualrft.model.qwenvl;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.qwen2vl.RotaryTables;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2.5-VL's vision transformer. Unlike Qwen2-VL's: RMSNorm, a SwiGLU MLP, and window attention. The patches are
 * first reordered window by window (a window is {@code window_size} pixels square, i.e. a few merge units each way),
 * the blocks listed in {@code fullatt_block_indexes} attend over the whole frame and the others only within their
 * window, and the merged tokens are put back in raster order at the end.
 */
final class Qwen25VisionTower {
    private Qwen25VisionTower() {
    }

    /** The window order of merge units, and the patch count of every window (zero for empty padding windows). */
    record Windows(long[] unitOrder, long[] patchLengths) {
    }

    /**
     * transformers' get_window_index: per image and frame, merge units of the (padded) grid are listed window by
     * window, each window row by row; the padding never appears. Windows are {@code window / merge / patch} units
     * square; HF pads a full extra window when a side divides evenly, which only adds empty windows.
     */
    static Windows windows(List<int[]> grids, int windowSize, int merge, int patch) {
        int side = windowSize / merge / patch;
        List<Long> order = new ArrayList<>();
        List<Long> lengths = new ArrayList<>();
        long base = 0;
        int unit = merge * merge;
        for (int[] g : grids) {
            int gh = g[1] / merge;
            int gw = g[2] / merge;
            int nh = (gh + side - gh % side) / side;
            int nw = (gw + side - gw % side) / side;
            for (int t = 0; t < g[0]; t++) {
                for (int wy = 0; wy < nh; wy++) {
                    for (int wx = 0; wx < nw; wx++) {
                        long count = 0;
                        for (int y = wy * side; y < Math.min((wy + 1) * side, gh); y++) {
                            for (int x = wx * side; x < Math.min((wx + 1) * side, gw); x++) {
                                order.add(base + ((long) t * gh + y) * gw + x);
                                count++;
                            }
                        }
                        lengths.add(count * unit);
                    }
                }
            }
            base += (long) g[0] * gh * gw;
        }
        return new Windows(order.stream().mapToLong(Long::longValue).toArray(),
                lengths.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * @param pixels {@code [patches, C·T·P·P]} rows in processor order, all images concatenated
     * @param trace  when not null, receives the last block's output (patches in window order, as transformers returns
     *               its last_hidden_state)
     * @param checkpointed whether the blocks keep only their inputs and run again in the backward (activation
     *               checkpointing of a tower that trains; the result's {@link QwenVl.Images#backward} runs them)
     * @param adapters whether the linear layers' LoRA adapters apply (false: the base tower)
     * @return {@code [patches / merge², out_hidden]} image embeddings in raster order, in the weights' dtype
     */
    static QwenVl.Images forward(QwenVlWeights.Vision w, QwenVlConfig.Vision c, Tensor pixels, List<int[]> grids,
            List<Tensor> trace, boolean checkpointed, boolean adapters) {
        DType dtype = w.patchEmbed().dtype();
        long patches = pixels.size(0);
        int unit = c.spatialMergeSize() * c.spatialMergeSize();
        Windows win = windows(grids, c.windowSize(), c.spatialMergeSize(), c.patchSize());
        long[] patchOrder = new long[(int) patches];
        for (int j = 0; j < win.unitOrder().length; j++) {
            for (int u = 0; u < unit; u++) {
                patchOrder[j * unit + u] = win.unitOrder()[j] * unit + u;
            }
        }
        Tensor like = w.patchEmbed();
        Tensor x = Tensor.linear(pixels.to(like.device(), dtype), w.patchMatrix(), null)
                .indexSelect(0, Tensor.fromLongs(patchOrder, patches).to(like.device()));
        int hd = c.headDim();
        float[] raster = RotaryTables.visionAngles(grids, hd, c.spatialMergeSize());
        int half = hd / 2;
        float[] angles = new float[raster.length];
        for (int p = 0; p < patches; p++) {
            System.arraycopy(raster, (int) patchOrder[p] * half, angles, p * half, half);
        }
        Tensor[] rope = VisionAttention.rotary(angles, patches, hd, like);
        Tensor full = VisionAttention.segmentMask(VisionAttention.frameLengths(grids), like);
        Tensor windowed = VisionAttention.segmentMask(win.patchLengths(), like);
        java.util.Set<Integer> fullBlocks = new java.util.HashSet<>();
        for (int b : c.fullAttentionBlocks()) {
            fullBlocks.add(b);
        }
        // full attention over the frame (cu_seqlens) in the listed blocks, within the window (cu_window_seqlens) elsewhere
        LayerCheckpoints.Layer block = (i, h) -> block(w.blocks().get(i), c, h, rope, fullBlocks.contains(i) ? full : windowed,
                adapters);
        Runnable backward = null;
        if (checkpointed) {
            LayerCheckpoints stack = LayerCheckpoints.run(x, w.blocks().size(), block);
            x = stack.output();
            backward = stack::backward;
        } else {
            for (int i = 0; i < w.blocks().size(); i++) {
                x = block.apply(i, x);
            }
        }
        if (trace != null) {
            trace.add(x);
        }
        Tensor merged = VisionAttention.merge(w.merger(), x, unit, false, adapters);
        long[] inverse = new long[win.unitOrder().length];
        for (int j = 0; j < inverse.length; j++) {
            inverse[(int) win.unitOrder()[j]] = j;
        }
        return new QwenVl.Images(merged.indexSelect(0, Tensor.fromLongs(inverse, inverse.length).to(like.device())),
                List.of(), backward);
    }

    /** One block (RMSNorm, attention within {@code allowed}, SwiGLU MLP) in a native scope of its own. */
    private static Tensor block(QwenVlWeights.VisionBlock b, QwenVlConfig.Vision c, Tensor x, Tensor[] rope,
            Tensor allowed, boolean adapters) {
        try (NativeScope s = NativeScope.open()) {
            Tensor h = VisionAttention.norm(x, b.norm1W(), null);
            Tensor y = x.add(VisionAttention.forward(b.qkv(), b.proj(), c.numHeads(), h, rope, allowed, adapters));
            h = VisionAttention.norm(y, b.norm2W(), null);
            Tensor m = b.down().forward(b.gate().forward(h, adapters).silu().mul(b.up().forward(h, adapters)), adapters);
            return s.keep(y.add(m));
        }
    }
}
