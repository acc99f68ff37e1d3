package org.visualrft.model.qwen2vl;

import java.util.function.UnaryOperator;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * The {@link DecodeLoop} steps of an M-RoPE model: the prompt (images already encoded) is prefilled once at its
 * M-RoPE ids, then every new token goes in at id {@code cache position + rope delta} on all three axes, as
 * transformers' generate does. The model itself comes in as its forward and its vocabulary projection.
 */
public final class MropeDecodeSteps implements DecodeLoop.Steps {

    /** Hidden states {@code [b, s, d]} of {@code ids} at M-RoPE {@code positions}; {@code prompt} true for the prefill (images in). */
    public interface Forward {
        Tensor hidden(int[][] ids, long[][][] positions, KvCache cache, boolean prompt);
    }

    private final int[] prompt;
    private final RopeIndex.Positions pos;
    private final Forward forward;
    private final UnaryOperator<Tensor> logits;

    public MropeDecodeSteps(int[] prompt, RopeIndex.Positions pos, Forward forward, UnaryOperator<Tensor> logits) {
        this.prompt = prompt;
        this.pos = pos;
        this.forward = forward;
        this.logits = logits;
    }

    @Override
    public float[] prefill(KvCache cache) {
        Tensor h = forward.hidden(new int[][] {prompt}, new long[][][] {pos.ids()}, cache, true);
        return logits.apply(h.narrow(1, h.size(1) - 1, 1)).to(DType.F32).toFloats();
    }

    @Override
    public float[] step(KvCache cache, int[] tokens) {
        long p = RopeIndex.decodePosition(cache.length(), pos.ropeDelta());
        long[][][] ids = new long[tokens.length][3][1];
        int[][] in = new int[tokens.length][1];
        for (int i = 0; i < tokens.length; i++) {
            ids[i][0][0] = ids[i][1][0] = ids[i][2][0] = p;
            in[i][0] = tokens[i];
        }
        Tensor h = forward.hidden(in, ids, cache, false);
        return logits.apply(h).to(DType.F32).toFloats();
    }
}
