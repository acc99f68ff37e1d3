package org.visualrft.model.image;

/**
 * Bicubic resize with the same integer results as libtorch's antialiased bicubic interpolation of a uint8 image on
 * the CPU ({@code torch.nn.functional.interpolate(x, size, mode="bicubic", antialias=True)}, reached through
 * torchvision's {@code resize}), which transformers 5's default (torchvision) image processor runs for the Qwen-VL
 * family. Written from the algorithm libtorch documents in its {@code UpSampleKernel.cpp}: the same separable
 * convolution as Pillow's ({@link SeparableCubic}: same support, kernel, centring, normalisation in double, horizontal
 * pass first, 8-bit result after each pass), but the weights are held as 16-bit integers, so each axis takes as many
 * fraction bits (at most 22) as its largest normalised weight leaves room for: 14 when a weight is near 1. The
 * coarser weights move some pixels by one grey level against Pillow's 22 bits.
 */
public final class TorchBicubicAA {
    private static final int MAX_BITS = 22;

    private TorchBicubicAA() {
    }

    /** Resizes {@code in} to {@code width × height}. */
    public static RgbImage resize(RgbImage in, int width, int height) {
        return SeparableCubic.resize(in, width, height, TorchBicubicAA::fractionBits);
    }

    /**
     * The most fraction bits, up to 22, at which the largest weight still fits a signed 16-bit integer after rounding
     * (libtorch stops raising the count at the first that would overflow).
     */
    static int fractionBits(double largestWeight) {
        int bits = 0;
        while (bits < MAX_BITS && (int) (0.5 + largestWeight * (1 << (bits + 1))) < (1 << 15)) {
            bits++;
        }
        return bits;
    }
}
