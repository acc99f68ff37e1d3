package org.visualrft.core.world;

/**
 * A square grayscale image (bytes 0..255, row-major) and the pixel operations the world needs: bilinear resizing,
 * pasting with max-compositing (items are light on black, so the brighter pixel wins where two items touch) and the
 * tight box of an item's visible pixels.
 */
public final class Canvas {
    /** Side of the demo canvas: 56 pixels, so 7×7 patches of 8×8. */
    public static final int SIDE = 56;
    /** A pixel brighter than this belongs to an item when its box is measured. */
    public static final int INK_THRESHOLD = 25;

    private final int side;
    private final byte[] pixels;

    public Canvas(int side) {
        this.side = side;
        this.pixels = new byte[side * side];
    }

    public int side() {
        return side;
    }

    /** A copy of the pixels, row-major. */
    public byte[] pixels() {
        return pixels.clone();
    }

    /** The pixel at (x, y) as 0..255. */
    public int at(int x, int y) {
        return pixels[y * side + x] & 0xff;
    }

    /**
     * Resizes a square grayscale image with bilinear interpolation on pixel centres (the half-pixel convention of
     * PIL and torch's align_corners=false), so upscaling by 2 does not shift the content.
     */
    public static byte[] resize(byte[] src, int srcSide, int dstSide) {
        byte[] dst = new byte[dstSide * dstSide];
        double scale = (double) srcSide / dstSide;
        for (int y = 0; y < dstSide; y++) {
            double sy = Math.max(0, Math.min(srcSide - 1, (y + 0.5) * scale - 0.5));
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(y0 + 1, srcSide - 1);
            double fy = sy - y0;
            for (int x = 0; x < dstSide; x++) {
                double sx = Math.max(0, Math.min(srcSide - 1, (x + 0.5) * scale - 0.5));
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(x0 + 1, srcSide - 1);
                double fx = sx - x0;
                double top = (src[y0 * srcSide + x0] & 0xff) * (1 - fx) + (src[y0 * srcSide + x1] & 0xff) * fx;
                double bottom = (src[y1 * srcSide + x0] & 0xff) * (1 - fx) + (src[y1 * srcSide + x1] & 0xff) * fx;
                dst[y * dstSide + x] = (byte) Math.round(top * (1 - fy) + bottom * fy);
            }
        }
        return dst;
    }

    /** The tight box of pixels brighter than {@link #INK_THRESHOLD}, or null when the image is blank. */
    public static PixelBox inkBox(byte[] img, int side) {
        int minX = side;
        int minY = side;
        int maxX = -1;
        int maxY = -1;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                if ((img[y * side + x] & 0xff) > INK_THRESHOLD) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        return maxX < 0 ? null : new PixelBox(minX, minY, maxX + 1, maxY + 1);
    }

    /** Pastes a square image with its top-left corner at (left, top), keeping the brighter pixel. */
    public void pasteMax(byte[] img, int imgSide, int left, int top) {
        for (int y = 0; y < imgSide; y++) {
            int cy = top + y;
            if (cy < 0 || cy >= side) {
                continue;
            }
            for (int x = 0; x < imgSide; x++) {
                int cx = left + x;
                if (cx < 0 || cx >= side) {
                    continue;
                }
                int v = img[y * imgSide + x] & 0xff;
                if (v > (pixels[cy * side + cx] & 0xff)) {
                    pixels[cy * side + cx] = (byte) v;
                }
            }
        }
    }
}
