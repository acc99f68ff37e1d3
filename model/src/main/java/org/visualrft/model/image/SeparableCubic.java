package org.visualrft.model.image;

import java.util.function.DoubleToIntFunction;

/**
 * The separable bicubic resize that Pillow and libtorch's antialiased uint8 kernel both run on an 8-bit image: a
 * horizontal pass, then a vertical pass, each skipped when its size does not change. Every output sample reads the
 * input samples within the support of Keys' cubic kernel (a = −0.5) stretched by the downscale factor; the weights are
 * computed and normalised to sum 1 in double precision, then rounded to fixed point; each pass sums integer products
 * from one half and floors, clamping to 0..255. The two libraries differ only in the number of fraction bits of the
 * fixed-point weights, which the caller gives as a function of the axis's largest normalised weight.
 */
final class SeparableCubic {
    private SeparableCubic() {
    }

    static RgbImage resize(RgbImage in, int width, int height, DoubleToIntFunction fractionBits) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        byte[] rgb = in.rgb();
        int w = in.width();
        int h = in.height();
        if (width != w) {
            rgb = horizontal(rgb, w, h, width, Taps.of(w, width, fractionBits));
            w = width;
        }
        if (height != h) {
            rgb = vertical(rgb, w, h, height, Taps.of(h, height, fractionBits));
            h = height;
        }
        return new RgbImage(w, h, rgb == in.rgb() ? rgb.clone() : rgb);
    }

    /** Keys' cubic convolution kernel with a = −0.5, support 2. */
    static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            // libtorch writes ((a·x − 5a)·x + 8a)·x − 4a; a is a power of two, so both orders give the same double
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** For every output index: the first input index it reads and its fixed-point weights; {@code bits} fraction bits. */
    record Taps(int[] first, int[][] fixed, int bits) {
        static Taps of(int inSize, int outSize, DoubleToIntFunction fractionBits) {
            // both libraries take scale = in / out in double (the box edges 0 and inSize are exact)
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 2.0 * filterScale;
            int maxTaps = (int) Math.ceil(support) * 2 + 1;
            double invScale = 1.0 / filterScale;
            int[] first = new int[outSize];
            double[][] weights = new double[outSize][];
            double largest = 0.0;
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                // (int) truncates toward zero, as the C cast does
                int lo = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), inSize) - lo;
                n = Math.max(0, Math.min(n, maxTaps)); // libtorch's guard against a rounding excess of one tap
                double[] k = new double[n];
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    k[i] = cubic((i + lo - center + 0.5) * invScale);
                    sum += k[i];
                }
                if (sum != 0.0) {
                    for (int i = 0; i < n; i++) {
                        k[i] /= sum;
                        largest = Math.max(largest, k[i]);
                    }
                }
                first[o] = lo;
                weights[o] = k;
            }
            int bits = fractionBits.applyAsInt(largest);
            int[][] fixed = new int[outSize][];
            for (int o = 0; o < outSize; o++) {
                double[] k = weights[o];
                int[] q = new int[k.length];
                for (int i = 0; i < k.length; i++) {
                    double v = k[i] * (1 << bits);
                    q[i] = v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v); // half away from zero
                }
                fixed[o] = q;
            }
            return new Taps(first, fixed, bits);
        }

        /** Rounds an accumulator (which started at one half) to a byte: floor, then clamp to 0..255. */
        byte clip8(int acc) {
            int v = acc >> bits; // arithmetic shift: floor, as in C on two's complement
            return (byte) (v < 0 ? 0 : Math.min(v, 255));
        }
    }

    private static byte[] horizontal(byte[] src, int w, int h, int outW, Taps k) {
        byte[] out = new byte[outW * h * 3];
        int half = 1 << (k.bits - 1);
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < outW; x++) {
                int[] q = k.fixed[x];
                int lo = k.first[x];
                for (int c = 0; c < 3; c++) {
                    int acc = half;
                    for (int i = 0; i < q.length; i++) {
                        acc += (src[row + (lo + i) * 3 + c] & 0xff) * q[i];
                    }
                    out[(y * outW + x) * 3 + c] = k.clip8(acc);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int h, int outH, Taps k) {
        byte[] out = new byte[w * outH * 3];
        int half = 1 << (k.bits - 1);
        for (int y = 0; y < outH; y++) {
            int[] q = k.fixed[y];
            int lo = k.first[y];
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int acc = half;
                    for (int i = 0; i < q.length; i++) {
                        acc += (src[((lo + i) * w + x) * 3 + c] & 0xff) * q[i];
                    }
                    out[(y * w + x) * 3 + c] = k.clip8(acc);
                }
            }
        }
        return out;
    }
}
