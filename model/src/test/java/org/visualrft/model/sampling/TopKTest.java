package org.visualrft.model.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** Hugging Face's top-k keeps every entry equal to the k-th largest (it removes only {@code scores < kth}). */
class TopKTest {
    @Test
    void entriesTiedWithTheKthStayInIdOrder() {
        float[] row = {9f, 2f, 5f, 2f, 7f, 2f, 1f};
        assertArrayEquals(new int[] {0, 4, 2}, TopK.withTies(row, 0, row.length, 3), "no tie at the 3rd");
        assertArrayEquals(new int[] {0, 4, 2, 1, 3, 5}, TopK.withTies(row, 0, row.length, 4), "three tied at the 4th");
        assertArrayEquals(new int[] {0, 4, 2, 1}, TopK.indices(row, 0, row.length, 4), "indices keeps exactly k");
        float[] offset = {0f, 0f, 3f, 3f, 3f};
        assertArrayEquals(new int[] {0, 1, 2}, TopK.withTies(offset, 2, 3, 1), "relative to the offset");
    }

    @Test
    void aNegativeInfiniteKthAddsNothing() {
        float inf = Float.NEGATIVE_INFINITY;
        float[] row = {1f, inf, inf, inf};
        assertArrayEquals(new int[] {0, 1}, TopK.withTies(row, 0, row.length, 2));
    }
}
