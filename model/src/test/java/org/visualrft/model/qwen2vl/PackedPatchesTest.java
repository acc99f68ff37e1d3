package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class PackedPatchesTest {

    @Test
    void imagesAreStackedInOrderWithTheirGrids() {
        ImageProcessor.Patches a = new ImageProcessor.Patches(new float[] {1, 2, 3, 4}, 2, 2, 1, 1, 2);
        ImageProcessor.Patches b = new ImageProcessor.Patches(new float[] {5, 6}, 1, 2, 1, 1, 1);
        PackedPatches p = PackedPatches.of(List.of(a, b));
        assertEquals(3, p.rows());
        assertEquals(2, p.cols());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, p.values());
        assertEquals(2, p.grids().size());
        assertArrayEquals(new int[] {1, 1, 2}, p.grids().get(0));
        assertArrayEquals(new int[] {1, 1, 1}, p.grids().get(1));
    }
}
