package org.visualrft.model.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.nio.file.Path;

/**
 * An 8-bit RGB image: {@code height} rows of {@code width} pixels, 3 interleaved bytes (R, G, B) per pixel.
 * This is what Pillow's {@code Image.convert("RGB")} hands the Qwen2-VL processor.
 */
public record RgbImage(int width, int height, byte[] rgb) {
    public RgbImage {
        if (width < 1 || height < 1 || rgb.length != width * height * 3) {
            throw new IllegalArgumentException("RGB image " + width + "x" + height + " needs " + (width * height * 3)
                    + " bytes, got " + rgb.length);
        }
    }

    /** The channel value (0..255) at column x, row y, channel c. */
    public int at(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xff;
    }

    /** Reads a PNG/JPEG/BMP/GIF file as RGB; alpha is dropped and grey is replicated, as Pillow's convert("RGB") does. */
    public static RgbImage read(Path file) {
        return fromBufferedImage(ImageDecoder.read(file));
    }

    /** Converts a decoded image without colour management (the stored bytes are taken as they are, like Pillow). */
    public static RgbImage fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if ((long) w * h > ImageDecoder.HARD_MAX_PIXELS) {
            throw new IllegalArgumentException("image of " + w + " x " + h + " pixels is too large to hold");
        }
        byte[] out = new byte[w * h * 3];
        Raster raster = img.getRaster();
        int bands = raster.getNumBands();
        boolean components = img.getColorModel() instanceof java.awt.image.ComponentColorModel;
        int bits = raster.getSampleModel().getSampleSize(0);
        boolean plainBytes = components && bits == 8;
        if (components && (bits == 8 || bits == 16) && (bands == 1 || bands == 2)) {
            // grey (+alpha): read the raster, because getRGB would apply a linear-to-sRGB curve to grey (16-bit grey
            // keeps its high byte, as 16-bit colour does; Pillow's convert("RGB") would clip it to 255 instead)
            int[] px = new int[bands];
            int shift = bits - 8;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    raster.getPixel(x, y, px);
                    int o = (y * w + x) * 3;
                    out[o] = out[o + 1] = out[o + 2] = (byte) (px[0] >> shift);
                }
            }
        } else if (plainBytes && (bands == 3 || bands == 4)) {
            int[] px = new int[bands];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    raster.getPixel(x, y, px); // bands in R, G, B(, A) order whatever the byte layout
                    int o = (y * w + x) * 3;
                    out[o] = (byte) px[0];
                    out[o + 1] = (byte) px[1];
                    out[o + 2] = (byte) px[2];
                }
            }
        } else {
            // palette, 16-bit and packed formats: the colour model expands them
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int argb = img.getRGB(x, y);
                    int o = (y * w + x) * 3;
                    out[o] = (byte) (argb >> 16);
                    out[o + 1] = (byte) (argb >> 8);
                    out[o + 2] = (byte) argb;
                }
            }
        }
        return new RgbImage(w, h, out);
    }
}
