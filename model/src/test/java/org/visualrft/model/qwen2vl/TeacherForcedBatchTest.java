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

    @Test
    void anEmptyCompletionIsAllPadding() {
        RopeIndex.Positions pos = new RopeIndex.Positions(new long[][] {{0, 1}, {0, 1}, {0, 1}}, 0);
        TeacherForcedBatch b = TeacherForcedBatch.of(new int[] {1, 2}, pos, List.of(new int[0], new int[] {4, 4, 4}), 0);
        assertEquals(3, b.width());
        assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, b.mask());
        assertArrayEquals(new int[] {1, 2, 0, 0, 0}, b.ids()[0]);
    }
}
