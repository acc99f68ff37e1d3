package org.visualrft.model.tiny;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Rotary position embedding tables (Qwen2/LLaMA "rotate half" convention): for position p and pair i,
 * angle = p · theta^(−2i/d). Applied as {@code x·cos + roll(x, d/2)·sinSigned}, where sinSigned carries the minus sign
 * of rotate_half's first half, so the rotation is four ops instead of seven.
 */
record Rope(Tensor cos, Tensor sinSigned) {

    static Rope create(int maxPositions, int headDim, double theta, DType dtype) {
        int half = headDim / 2;
        double[] cos = new double[maxPositions * headDim];
        double[] sin = new double[maxPositions * headDim];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < half; i++) {
                double invFreq = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
                double a = p * invFreq;
                cos[p * headDim + i] = Math.cos(a);
                cos[p * headDim + i + half] = Math.cos(a);
                sin[p * headDim + i] = -Math.sin(a);
                sin[p * headDim + i + half] = Math.sin(a);
            }
        }
        return new Rope(Tensor.fromDoubles(cos, maxPositions, headDim).to(dtype).persist(),
                Tensor.fromDoubles(sin, maxPositions, headDim).to(dtype).persist());
    }

    /** The tables of positions {@code start .. start+T-1}, shaped to broadcast over {@code [B, T, heads, d]}. */
    Rope at(long start, long t) {
        long d = cos.size(1);
        return new Rope(cos.narrow(0, start, t).view(1, t, 1, d), sinSigned.narrow(0, start, t).view(1, t, 1, d));
    }

    /** Rotates {@code x [B, T, heads, headDim]} with tables from {@link #at} (computed once per step, all layers). */
    Tensor apply(Tensor x) {
        return x.mul(cos).add(x.roll(x.size(3) / 2, 3).mul(sinSigned));
    }

    void close() {
        cos.close();
        sinSigned.close();
    }
}
