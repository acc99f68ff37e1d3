package org.visualrft.core.geometry;

/** An image's width and height in pixels. */
public record ImageSize(int width, int height) {
    public ImageSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }
}
