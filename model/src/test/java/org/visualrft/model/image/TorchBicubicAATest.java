package org.visualrft.model.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * {@link TorchBicubicAA} against libtorch's own antialiased bicubic on uint8 (the kernel torchvision's resize calls),
 * over upscales, downscales, mixed and extreme ratios: the bytes must be identical.
 */
class TorchBicubicAATest {

    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({
        // the fixtures' resizes (Qwen2.5-VL factor 28, Qwen3-VL factor 32)
        "100, 76, 112, 84", "57, 120, 56, 112", "100, 76, 96, 64", "57, 120, 64, 128",
        // mild and strong up/downscales, one axis only, mixed, odd sizes, very thin
        "64, 48, 65, 47", "37, 29, 448, 336", "640, 480, 56, 42", "1000, 1000, 112, 112", "300, 400, 28, 28",
        "200, 30, 196, 28", "30, 200, 28, 196", "81, 81, 81, 160", "81, 81, 160, 81", "513, 17, 29, 300",
        "12, 12, 13, 13", "1280, 720, 448, 252", "3, 700, 5, 35"})
    void bytesEqualLibtorch(int w, int h, int outW, int outH) {
        RgbImage in = noisyGradient(w, h, 31L * w + h);
        RgbImage ours = TorchBicubicAA.resize(in, outW, outH);
        assertArrayEquals(libtorch(in, outW, outH), ours.rgb(), w + "x" + h + " -> " + outW + "x" + outH);
    }

    @Test
    void differsFromPillowSomewhereButByOneLevelAtMost() {
        // the coarser 16-bit weights are the only difference: a few samples one level apart, never more
        RgbImage in = noisyGradient(100, 76, 7);
        byte[] torch = TorchBicubicAA.resize(in, 112, 84).rgb();
        byte[] pil = PillowBicubic.resize(in, 112, 84).rgb();
        int off = 0;
        for (int i = 0; i < torch.length; i++) {
            int d = Math.abs((torch[i] & 0xff) - (pil[i] & 0xff));
            assertTrue(d <= 1, "sample " + i + " differs by " + d);
            off += d;
        }
        assertTrue(off > 0, "no sample differs from Pillow");
    }

    @Test
    void fractionBitsFollowTheLargestWeight() {
        assertEquals(14, TorchBicubicAA.fractionBits(1.0)); // round(1·2^15) = 32768 would overflow int16
        assertEquals(15, TorchBicubicAA.fractionBits(0.99));
        assertEquals(22, TorchBicubicAA.fractionBits(0.001)); // capped at Pillow's precision
    }

    /** libtorch's result for the same bytes, laid out as torchvision hands them over (1×3×H×W uint8, contiguous). */
    static byte[] libtorch(RgbImage in, int outW, int outH) {
        try (NativeScope s = NativeScope.open()) {
            Tensor hwc = Tensor.fromBytes(java.nio.ByteBuffer.wrap(in.rgb()), DType.U8, in.height(), in.width(), 3);
            Tensor nchw = hwc.permute(2, 0, 1).contiguous().unsqueeze(0);
            Tensor out = nchw.resizeBicubicAntialias(outH, outW);
            assertEquals(DType.U8, out.dtype());
            return out.squeeze(0).permute(1, 2, 0).contiguous().toBytes();
        }
    }

    /** Smooth ramps plus noise and a few hard edges, so that weights of every sign matter. */
    static RgbImage noisyGradient(int w, int h, long seed) {
        Random r = new Random(seed);
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    int v = (x * 255 / Math.max(1, w - 1) + y * 97 / Math.max(1, h - 1) * (c + 1)) % 256;
                    v += r.nextInt(41) - 20;
                    if (((x / 7) + (y / 5) + c) % 4 == 0) {
                        v = (c == 1) ? 255 : 0;
                    }
                    rgb[(y * w + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
        return new RgbImage(w, h, rgb);
    }
}
