package org.visualrft.model.image;

/**
 * Bicubic resize with the same integer results as Pillow's {@code Image.resize(size, BICUBIC, reducing_gap=None)} on
 * an 8-bit RGB image, which is what Qwen2-VL's processor runs. Written from the algorithm Pillow documents in its
 * {@code Resample.c}: a separable convolution (horizontal pass, then vertical pass) with the Keys cubic kernel (a = -0.5)
 * stretched by the downscale factor, weights normalised to sum 1 in double precision, then rounded to 22-bit fixed point;
 * each pass rounds and clamps its result to 0..255.
 */
public final class PillowBicubic {
    /** Fixed-point fraction bits: 32 bits minus 8 for the value minus 2 for overshoot of the negative lobes. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowBicubic() {
    }

    /** Resizes {@code in} to {@code width × height}. */
    public static RgbImage resize(RgbImage in, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        byte[] rgb = in.rgb();
        int w = in.width();
        int h = in.height();
        // Pillow skips a pass whose size does not change; with the cubic kernel such a pass is the identity anyway.
        if (width != w) {
            rgb = horizontal(rgb, w, h, width, Weights.of(w, width));
            w = width;
        }
        if (height != h) {
            rgb = vertical(rgb, w, h, height, Weights.of(h, height));
            h = height;
        }
        return new RgbImage(w, h, rgb == in.rgb() ? rgb.clone() : rgb);
    }

    /** Keys' cubic convolution kernel with a = -0.5, support 2. */
    static double cubic(double x) {
        final double a = -0.5;
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /**
     * For every output index: the first input index it reads, how many it reads, and their fixed-point weights.
     */
    record Weights(int[] first, int[] count, int[][] fixed) {
        static Weights of(int inSize, int outSize) {
            // Pillow passes the box edges as C floats; 0 and inSize are exact in float, so double is the same here
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = 2.0 * filterScale;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            int[][] fixed = new int[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                double invScale = 1.0 / filterScale;
                // (int) truncates toward zero, as the C cast does
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                int n = hi - lo;
                double[] k = new double[n];
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    double v = cubic((i + lo - center + 0.5) * invScale);
                    k[i] = v;
                    sum += v;
                }
                int[] q = new int[n];
                for (int i = 0; i < n; i++) {
                    double v = sum != 0.0 ? k[i] / sum : k[i];
                    // round half away from zero by truncating after adding ±0.5
                    q[i] = v < 0 ? (int) (-0.5 + v * (1 << PRECISION_BITS)) : (int) (0.5 + v * (1 << PRECISION_BITS));
                }
                first[o] = lo;
                count[o] = n;
                fixed[o] = q;
            }
            return new Weights(first, count, fixed);
        }
    }

    /** Rounds a fixed-point accumulator (which starts at one half) to a byte, clamping to 0..255. */
    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS; // arithmetic shift: floor, as in C on two's complement
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    private static byte[] horizontal(byte[] src, int w, int h, int outW, Weights k) {
        byte[] out = new byte[outW * h * 3];
        for (int y = 0; y < h; y++) {
            int row = y * w * 3;
            for (int x = 0; x < outW; x++) {
                int[] q = k.fixed[x];
                int lo = k.first[x];
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < q.length; i++) {
                        acc += (src[row + (lo + i) * 3 + c] & 0xff) * q[i];
                    }
                    out[(y * outW + x) * 3 + c] = clip8(acc);
                }
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] src, int w, int h, int outH, Weights k) {
        byte[] out = new byte[w * outH * 3];
        for (int y = 0; y < outH; y++) {
            int[] q = k.fixed[y];
            int lo = k.first[y];
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < q.length; i++) {
                        acc += (src[((lo + i) * w + x) * 3 + c] & 0xff) * q[i];
                    }
                    out[(y * w + x) * 3 + c] = clip8(acc);
                }
            }
        }
        return out;
    }
}
