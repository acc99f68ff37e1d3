package org.visualrft.core.geometry;

/**
 * The coordinate system a box is written in. Qwen2-VL speaks {@link #NORMALIZED_1000} (integers 0–1000 relative
 * to the image, the Visual-RFT datasets' convention); Qwen2.5-VL speaks {@link #RESIZED_PIXELS} (absolute pixels of
 * the image after {@code smart_resize}); raw annotations are usually {@link #ORIGINAL_PIXELS}.
 */
public enum CoordinateFrame {
    NORMALIZED_1000,
    ORIGINAL_PIXELS,
    RESIZED_PIXELS;

    /** Parses {@code normalized-1000}, {@code original-pixels}, {@code resized-pixels} (also with underscores). */
    public static CoordinateFrame parse(String s) {
        return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }

    /**
     * Converts a box from this frame to {@code target}. {@code original} is the dataset image size; {@code resize}
     * says how the model's processor resized it (only needed when either frame is {@link #RESIZED_PIXELS}).
     */
    public Box convert(Box box, CoordinateFrame target, ImageSize original, QwenResize resize) {
        if (this == target) {
            return box;
        }
        double[] from = unitsPerImage(original, resize);
        double[] to = target.unitsPerImage(original, resize);
        return box.scale(to[0] / from[0], to[1] / from[1]);
    }

    /** The image's width and height in this frame's units (1000, the original pixels, or the resized pixels). */
    public double[] unitsPerImage(ImageSize original, QwenResize resize) {
        return switch (this) {
            case NORMALIZED_1000 -> new double[] {1000.0, 1000.0};
            case ORIGINAL_PIXELS -> new double[] {original.width(), original.height()};
            case RESIZED_PIXELS -> {
                ImageSize r = resize.apply(original);
                yield new double[] {r.width(), r.height()};
            }
        };
    }
}
