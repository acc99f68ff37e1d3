package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.tensor.Tensor;

/**
 * Several images' patches stacked into the one {@code [rows, cols]} matrix a vision tower takes, with each image's
 * {@code (t, h, w)} grid in the same order.
 */
public record PackedPatches(float[] values, int rows, int cols, List<int[]> grids) {

    /** The patches of {@code images}, concatenated in order; all share the first image's patch width. */
    public static PackedPatches of(List<ImageProcessor.Patches> images) {
        int rows = 0;
        for (ImageProcessor.Patches p : images) {
            rows += p.rows();
        }
        int cols = images.get(0).cols();
        float[] all = new float[rows * cols];
        List<int[]> grids = new ArrayList<>();
        int off = 0;
        for (ImageProcessor.Patches p : images) {
            System.arraycopy(p.values(), 0, all, off, p.values().length);
            off += p.values().length;
            grids.add(new int[] {p.gridT(), p.gridH(), p.gridW()});
        }
        return new PackedPatches(all, rows, cols, grids);
    }

    /** The pixel matrix {@code [rows, cols]} (F32, CPU). */
    public Tensor pixels() {
        return Tensor.fromFloats(values, rows, cols);
    }
}
