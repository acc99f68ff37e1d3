package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TeacherForcedBatchTest {

    @Test
    void completionsAreRightPaddedAndContinueTheRopePositions() {
        int[] prompt = {10, 11, 12};
        // a prompt with an image: the three axes differ and the delta is not zero
        RopeIndex.Positions pos = new RopeIndex.Positions(new long[][] {{0, 1, 1}, {0, 1, 2}, {0, 2, 1}}, -1);
        TeacherForcedBatch b = TeacherForcedBatch.of(prompt, pos, List.of(new int[] {5, 6}, new int[] {7}), 99);

        assertEquals(3, b.promptLength());
        assertEquals(2, b.width());
        assertArrayEquals(new int[] {10, 11, 12, 5, 6}, b.ids()[0]);
        assertArrayEquals(new int[] {10, 11, 12, 7, 99}, b.ids()[1]);
        assertArrayEquals(new long[] {5, 6, 7, 99}, b.targets());
        assertArrayEquals(new float[] {1, 1, 1, 0}, b.mask());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(new long[] {0, 1, 1, 2, 3}, b.positions()[i][0]);
            assertArrayEquals(new long[] {0, 1, 2, 2, 3}, b.positions()[i][1]);
            assertArrayEquals(new long[] {0, 2, 1, 2, 3}, b.positions()[i][2]);
        }
    }

    /** The Qwen families' log-probs and entropies: in float32 from bfloat16 logits, padding 0. */
    @Test
    void logProbsAndEntropiesComeFromTheLogitsInFloat32() {
        RopeIndex.Positions pos = new RopeIndex.Positions(new long[][] {{0, 1}, {0, 1}, {0, 1}}, 0);
        TeacherForcedBatch b = TeacherForcedBatch.of(new int[] {1, 2}, pos, List.of(new int[] {3}, new int[] {4, 0}), 0);
        float[] x = {2f, -1f, 0.5f, 0f, 1f, 3f, -2f, 0.25f, 4f, 4f, 4f, 4f, 0f, 0f, 0f, 9f, 1f, 1f, 1f, 1f, 0f, 2f, 0f,
            2f};
        int v = 6;
        try (org.visualrft.model.tensor.NativeScope s = org.visualrft.model.tensor.NativeScope.open()) {
            var lp = b.logProbs(org.visualrft.model.tensor.Tensor.fromFloats(x, 2, 2, v)
                    .to(org.visualrft.model.tensor.DType.BF16));
            float[] logp = lp.logProbs().toFloats();
            float[] h = lp.entropies().toFloats();
            for (int row = 0; row < 4; row++) {
                double z = 0;
                for (int k = 0; k < v; k++) {
                    z += Math.exp(x[row * v + k]);
                }
                double ent = 0;
                for (int k = 0; k < v; k++) {
                    double l = x[row * v + k] - Math.log(z);
                    ent -= Math.exp(l) * l;
                }
                boolean real = b.mask()[row] > 0;
                double want = real ? x[row * v + (int) b.targets()[row]] - Math.log(z) : 0;
                assertEquals(want, logp[row], 1e-6, "log-prob " + row);
                assertEquals(real ? ent : 0, h[row], 1e-6, "entropy " + row);
            }
        }
    }

    @Test
    void anEmptyCompletionIsAllPadding() {
        RopeIndex.Positions pos = new RopeIndex.Positions(new long[][] {{0, 1}, {0, 1}, {0, 1}}, 0);
        TeacherForcedBatch b = TeacherForcedBatch.of(new int[] {1, 2}, pos, List.of(new int[0], new int[] {4, 4, 4}), 0);
        assertEquals(3, b.width());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, b.mask());
        assertArrayEquals(new int[] {1, 2, 0, 0, 0}, b.ids()[0]);
    }
}
