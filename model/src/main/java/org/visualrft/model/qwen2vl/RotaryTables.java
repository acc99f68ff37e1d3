package org.visualrft.model.qwen2vl;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * cos and sin tables of the two rotary embeddings, computed as transformers computes them in float32 (angle =
 * float32(position × inv_freq)), so positions in the thousands round the same way.
 */
public final class RotaryTables {
    private RotaryTables() {
    }

    /** {@code 1 / base^(2i/dim)} for i < dim/2, in float32. */
    public static float[] inverseFrequencies(double base, int dim) {
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / dim;
            f[i] = (float) (1.0 / (float) Math.pow(base, exponent));
        }
        return f;
    }

    /**
     * M-RoPE for a batch: {@code positions[b]} is a {@code [3][seq]} id array (rows t, h, w). The rotary dimension is
     * split into sections (mrope_section, twice over, for the two halves that rotate_half pairs); section i takes its
     * angle from axis i mod 3. Returns cos and sin, each {@code [batch, 1, seq, headDim]}.
     */
    static Tensor[] mrope(long[][][] positions, int[] section, double theta, int headDim, DType dtype, Device device) {
        int[] axisOf = new int[headDim / 2];
        for (int s = 0, j = 0; s < 3; s++) {
            for (int k = 0; k < section[s]; k++) {
                axisOf[j++] = s;
            }
        }
        return mropeByAxis(positions, axisOf, theta, headDim, dtype, device);
    }

    /** M-RoPE with frequency j taking its angle from axis {@code axisOf[j]} (0 = t, 1 = h, 2 = w), j < headDim/2. */
    public static Tensor[] mropeByAxis(long[][][] positions, int[] axisOf, double theta, int headDim, DType dtype) {
        return mropeByAxis(positions, axisOf, theta, headDim, dtype, Device.CPU);
    }

    /** As {@link #mropeByAxis(long[][][], int[], double, int, DType)}, the tables placed on {@code device}. */
    public static Tensor[] mropeByAxis(long[][][] positions, int[] axisOf, double theta, int headDim, DType dtype,
                                       Device device) {
        float[] inv = inverseFrequencies(theta, headDim);
        int half = headDim / 2;
        int batch = positions.length;
        int seq = positions[0][0].length;
        float[] cos = new float[batch * seq * headDim];
        float[] sin = new float[cos.length];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                int row = (b * seq + i) * headDim;
                for (int j = 0; j < half; j++) {
                    float angle = (float) positions[b][axisOf[j]][i] * inv[j];
                    float c = (float) Math.cos(angle);
                    float s = (float) Math.sin(angle);
                    cos[row + j] = cos[row + j + half] = c;
                    sin[row + j] = sin[row + j + half] = s;
                }
            }
        }
        return new Tensor[] {
            Tensor.fromFloats(cos, batch, 1, seq, headDim).to(device, dtype),
            Tensor.fromFloats(sin, batch, 1, seq, headDim).to(device, dtype)};
    }

    /**
     * The vision tower's 2-D rotary angles, {@code [patches, headDim/2]}: for each patch, the angles of its row then of
     * its column (each over headDim/4 frequencies with base 10000). Patches are listed in the processor's order
     * (merge block by merge block), frame after frame.
     */
    public static float[] visionAngles(java.util.List<int[]> grids, int headDim, int merge) {
        int dim = headDim / 2;
        float[] inv = inverseFrequencies(10000.0, dim);
        int q = inv.length;
        int total = 0;
        for (int[] g : grids) {
            total += g[0] * g[1] * g[2];
        }
        float[] out = new float[total * dim];
        int p = 0;
        for (int[] g : grids) {
            for (int t = 0; t < g[0]; t++) {
                for (int bh = 0; bh < g[1] / merge; bh++) {
                    for (int bw = 0; bw < g[2] / merge; bw++) {
                        for (int mh = 0; mh < merge; mh++) {
                            for (int mw = 0; mw < merge; mw++) {
                                int h = bh * merge + mh;
                                int w = bw * merge + mw;
                                for (int j = 0; j < q; j++) {
                                    out[p * dim + j] = (float) h * inv[j];
                                    out[p * dim + q + j] = (float) w * inv[j];
                                }
                                p++;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
