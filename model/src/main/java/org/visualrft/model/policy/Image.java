package org.visualrft.model.policy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.visualrft.model.image.ImageDecoder;

/**
 * A decoded image: {@code channels} (1 = gray, 3 = RGB) values per pixel in [0, 1], row-major, channels last
 * ({@code pixels[(y * width + x) * channels + c]}). Models resize and normalise it themselves.
 */
public record Image(int width, int height, int channels, float[] pixels) {
    public Image {
        if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("bad image geometry " + width + "x" + height + "x" + channels);
        }
        if (pixels.length != width * height * channels) {
            throw new IllegalArgumentException("image " + width + "x" + height + "x" + channels + " needs "
                    + width * height * channels + " values, got " + pixels.length);
        }
    }

    /** RGB (alpha dropped, as the Qwen2-VL processor does). */
    public static Image fromBufferedImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        if ((long) w * h > ImageDecoder.HARD_MAX_PIXELS) {
            throw new IllegalArgumentException("image of " + w + " x " + h + " pixels is too large to hold");
        }
        float[] p = new float[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int i = (y * w + x) * 3;
                p[i] = ((rgb >> 16) & 0xff) / 255f;
                p[i + 1] = ((rgb >> 8) & 0xff) / 255f;
                p[i + 2] = (rgb & 0xff) / 255f;
            }
        }
        return new Image(w, h, 3, p);
    }

    /**
     * Reads a PNG/JPEG/BMP/GIF; a missing, undecodable or too large file (over {@link ImageDecoder#maxPixels()},
     * checked before decoding) is a {@link org.visualrft.core.BadInputException}.
     */
    public static Image read(Path file) {
        return fromBufferedImage(ImageDecoder.read(file));
    }

    /** Decodes encoded image bytes with the same checks as {@link #read(Path)}; {@code where} names them. */
    public static Image decode(byte[] data, String where) {
        return fromBufferedImage(ImageDecoder.decode(data, where));
    }

    /** A gray image from 0..1 values (e.g. a synthetic canvas). */
    public static Image gray(int width, int height, float[] values) {
        return new Image(width, height, 1, values);
    }

    /** Luma (ITU-R 601) of an RGB image; a gray image is returned as is. */
    public Image toGray() {
        if (channels == 1) {
            return this;
        }
        float[] g = new float[width * height];
        for (int i = 0; i < g.length; i++) {
            g[i] = 0.299f * pixels[3 * i] + 0.587f * pixels[3 * i + 1] + 0.114f * pixels[3 * i + 2];
        }
        return new Image(width, height, 1, g);
    }

    /** Bilinear resize (pixel centres aligned, as PIL/torch with align_corners=false). */
    public Image resize(int newWidth, int newHeight) {
        if (newWidth == width && newHeight == height) {
            return this;
        }
        float[] out = new float[newWidth * newHeight * channels];
        double sx = (double) width / newWidth;
        double sy = (double) height / newHeight;
        for (int y = 0; y < newHeight; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, height - 1);
            int y1 = Math.min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int x = 0; x < newWidth; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, width - 1);
                int x1 = Math.min(x0 + 1, width - 1);
                double wx = fx - x0;
                for (int c = 0; c < channels; c++) {
                    double v = (1 - wy) * ((1 - wx) * at(x0, y0, c) + wx * at(x1, y0, c))
                            + wy * ((1 - wx) * at(x0, y1, c) + wx * at(x1, y1, c));
                    out[(y * newWidth + x) * channels + c] = (float) v;
                }
            }
        }
        return new Image(newWidth, newHeight, channels, out);
    }

    private float at(int x, int y, int c) {
        return pixels[(y * width + x) * channels + c];
    }
}
