package org.visualrft.model.tiny;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * Rotary position embedding tables (Qwen2/LLaMA "rotate half" convention): for position p and pair i,
 * angle = p · theta^(−2i/d). The tables cover every head of the fused q|k|v projection — the value heads with
 * cos = 1, sin = 0 — so one rotation of the whole projection rotates q and k and leaves v as it is. Applied as
 * {@code x·cos + roll(x, d/2)·sinSigned}, where sinSigned carries the minus sign of rotate_half's first half: four
 * ops for all heads instead of seven per tensor.
 */
record Rope(Tensor cos, Tensor sinSigned) {

    /** Tables {@code [maxPositions, rotated + unrotated, headDim]} on {@code device}. */
    static Rope create(int maxPositions, int headDim, double theta, int rotatedHeads, int unrotatedHeads,
            DType dtype, Device device) {
        int half = headDim / 2;
        int heads = rotatedHeads + unrotatedHeads;
        double[] cos = new double[maxPositions * heads * headDim];
        double[] sin = new double[maxPositions * heads * headDim];
        for (int p = 0; p < maxPositions; p++) {
            for (int h = 0; h < heads; h++) {
                int base = (p * heads + h) * headDim;
                for (int i = 0; i < half; i++) {
                    double a = p / Math.pow(theta, (2.0 * i) / headDim);
                    boolean rotate = h < rotatedHeads;
                    cos[base + i] = rotate ? Math.cos(a) : 1;
                    cos[base + i + half] = rotate ? Math.cos(a) : 1;
                    sin[base + i] = rotate ? -Math.sin(a) : 0;
                    sin[base + i + half] = rotate ? Math.sin(a) : 0;
                }
            }
        }
        return new Rope(Tensor.fromDoubles(cos, maxPositions, heads, headDim).to(device, dtype).persist(),
                Tensor.fromDoubles(sin, maxPositions, heads, headDim).to(device, dtype).persist());
    }

    /** The tables of positions {@code start .. start+T-1}, shaped to broadcast over {@code [B, T, heads, d]}. */
    Rope at(long start, long t) {
        long heads = cos.size(1);
        long d = cos.size(2);
        return new Rope(cos.narrow(0, start, t).view(1, t, heads, d), sinSigned.narrow(0, start, t).view(1, t, heads, d));
    }

    /**
     * The tables of one position per sequence, {@code positions [B]} (int64): sequences that decode together but sit
     * at different positions (prompts of different lengths), shaped to broadcast over {@code [B, 1, heads, d]}.
     */
    Rope at(Tensor positions) {
        long b = positions.size(0);
        long heads = cos.size(1);
        long d = cos.size(2);
        return new Rope(cos.indexSelect(0, positions).view(b, 1, heads, d),
                sinSigned.indexSelect(0, positions).view(b, 1, heads, d));
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
