package org.visualrft.model.qwen2vl;

import java.util.List;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * One prompt followed by {@code g} right-padded completions, laid out for a single teacher-forced forward of an M-RoPE
 * model: padding sits after every real token, so causal attention keeps it out of the real tokens' results. The prompt
 * keeps its M-RoPE ids; completion token {@code j} sits at {@code p + j + rope delta} on all three axes, where
 * generation would have put it.
 *
 * @param ids         {@code [g][p + t]} prompt then completion (padded with the pad id)
 * @param positions   {@code [g][3][p + t]} M-RoPE position ids
 * @param targets     {@code g·t} completion tokens, row-major (the pad id where there is none)
 * @param mask        {@code g·t} 1 at real completion tokens, 0 at padding
 * @param promptLength {@code p}
 * @param width       {@code t}, the longest completion
 */
public record TeacherForcedBatch(int[][] ids, long[][][] positions, long[] targets, float[] mask, int promptLength,
                                 int width) {

    /** The batch of {@code completions} after {@code prompt}, whose M-RoPE ids are {@code pos}; {@code pad} fills. */
    public static TeacherForcedBatch of(int[] prompt, RopeIndex.Positions pos, List<int[]> completions, int pad) {
        int g = completions.size();
        int p = prompt.length;
        int t = 0;
        for (int[] comp : completions) {
            t = Math.max(t, comp.length);
        }
        int[][] ids = new int[g][p + t];
        long[] targets = new long[g * t];
        float[] mask = new float[g * t];
        long[][][] positions = new long[g][3][p + t];
        for (int i = 0; i < g; i++) {
            System.arraycopy(prompt, 0, ids[i], 0, p);
            for (int j = 0; j < t; j++) {
                boolean real = j < completions.get(i).length;
                ids[i][p + j] = real ? completions.get(i)[j] : pad;
                targets[i * t + j] = ids[i][p + j];
                mask[i * t + j] = real ? 1f : 0f;
            }
            for (int a = 0; a < 3; a++) {
                System.arraycopy(pos.ids()[a], 0, positions[i][a], 0, p);
                for (int j = 0; j < t; j++) {
                    positions[i][a][p + j] = RopeIndex.decodePosition(p + j, pos.ropeDelta());
                }
            }
        }
        return new TeacherForcedBatch(ids, positions, targets, mask, p, t);
    }

    /** The rows of {@code hidden} {@code [g, p + t, d]} whose logits predict the completion tokens: position k predicts k+1. */
    public Tensor completionHidden(Tensor hidden) {
        return hidden.narrow(1, promptLength - 1, width);
    }

    /**
     * The completion tokens' log-probs under {@code logits} {@code [g, t, vocab]} (any float dtype), masked, computed
     * in float32 (their entropies too, {@link GroupLogProbs#entropies()}).
     */
    public GroupLogProbs logProbs(Tensor logits) {
        Tensor f = logits.to(DType.F32);
        int g = ids.length;
        Tensor m = Tensor.fromFloats(mask, g, width).on(f.device());
        return GroupLogProbs.of(f, Tensor.fromLongs(targets, g, width).on(f.device()), m);
    }
}
