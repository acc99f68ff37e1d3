package org.visualrft.core.world;

/**
 * An axis-aligned box in canvas pixels, edges exclusive at the far side: a box covering pixel columns 3..9 has
 * {@code x1 = 3, x2 = 10}. {@link #normalised(int)} gives the paper's 0..1000 integer coordinates.
 */
public record PixelBox(int x1, int y1, int x2, int y2) {
    public PixelBox {
        if (x2 <= x1 || y2 <= y1) {
            throw new IllegalArgumentException("empty box " + x1 + "," + y1 + "," + x2 + "," + y2);
        }
    }

    public int width() {
        return x2 - x1;
    }

    public int height() {
        return y2 - y1;
    }

    public int area() {
        return width() * height();
    }

    /** This box moved by (dx, dy). */
    public PixelBox shifted(int dx, int dy) {
        return new PixelBox(x1 + dx, y1 + dy, x2 + dx, y2 + dy);
    }

    /** Intersection over union with another box (0 when disjoint). */
    public double iou(PixelBox o) {
        int ix = Math.min(x2, o.x2) - Math.max(x1, o.x1);
        int iy = Math.min(y2, o.y2) - Math.max(y1, o.y1);
        if (ix <= 0 || iy <= 0) {
            return 0;
        }
        double inter = (double) ix * iy;
        return inter / (area() + o.area() - inter);
    }

    /** The four corners in 0..1000 coordinates of a square canvas of {@code side} pixels: round(px · 1000 / side). */
    public int[] normalised(int side) {
        return new int[] {norm(x1, side), norm(y1, side), norm(x2, side), norm(y2, side)};
    }

    private static int norm(int px, int side) {
        return (int) Math.round(px * 1000.0 / side);
    }
}
