package org.visualrft.model.image;

/**
 * Bicubic resize with the same integer results as Pillow's {@code Image.resize(size, BICUBIC, reducing_gap=None)} on
 * an 8-bit RGB image, which is what Qwen2-VL's processor runs in transformers 4 (and transformers 5's PIL backend).
 * Written from the algorithm Pillow documents in its {@code Resample.c}: the separable cubic convolution of
 * {@link SeparableCubic} with weights in 22-bit fixed point.
 */
public final class PillowBicubic {
    /** Fixed-point fraction bits: 32 bits minus 8 for the value minus 2 for overshoot of the negative lobes. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private PillowBicubic() {
    }

    /** Resizes {@code in} to {@code width × height}. */
    public static RgbImage resize(RgbImage in, int width, int height) {
        return SeparableCubic.resize(in, width, height, largestWeight -> PRECISION_BITS);
    }
}
