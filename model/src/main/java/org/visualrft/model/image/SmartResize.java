package org.visualrft.model.image;

/**
 * Qwen2-VL's {@code smart_resize}: the image size the processor resizes to, with both sides multiples of
 * {@code factor} (28 = patch 14 × merge 2) and the area between {@code minPixels} and {@code maxPixels}.
 */
public final class SmartResize {
    private SmartResize() {
    }

    /** A size in pixels, height first as in the Python code. */
    public record Size(int height, int width) {
    }

    public static Size compute(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height < factor || width < factor) {
            // transformers 4.46 raises here too ("height or width must be larger than factor")
            throw new IllegalArgumentException("image " + width + "x" + height + " is smaller than " + factor + " pixels on a side");
        }
        if ((double) Math.max(height, width) / Math.min(height, width) > 200) {
            throw new IllegalArgumentException("image " + width + "x" + height + " has an aspect ratio above 200");
        }
        // Python's round() rounds halves to even; Math.rint does the same
        long hBar = (long) Math.rint((double) height / factor) * factor;
        long wBar = (long) Math.rint((double) width / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            hBar = (long) Math.floor(height / beta / factor) * factor;
            wBar = (long) Math.floor(width / beta / factor) * factor;
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            hBar = (long) Math.ceil(height * beta / factor) * factor;
            wBar = (long) Math.ceil(width * beta / factor) * factor;
        }
        return new Size((int) hBar, (int) wBar);
    }
}
