package org.visualrft.core.geometry;

/**
 * An axis-aligned box by its corners {@code (x1, y1)} top-left and {@code (x2, y2)} bottom-right, in any frame
 * (continuous coordinates, no +1 pixel convention).
 */
public record Box(double x1, double y1, double x2, double y2) {

    public double width() {
        return x2 - x1;
    }

    public double height() {
        return y2 - y1;
    }

    /** Signed area {@code (x2-x1)*(y2-y1)}, as the original computes it (negative for a swapped box). */
    public double area() {
        return (x2 - x1) * (y2 - y1);
    }

    /** Finite corners with positive width and height. */
    public boolean isProper() {
        return Double.isFinite(x1) && Double.isFinite(y1) && Double.isFinite(x2) && Double.isFinite(y2)
                && x2 > x1 && y2 > y1;
    }

    /** The box in another frame: x scaled by sx, y by sy. */
    public Box scale(double sx, double sy) {
        return new Box(x1 * sx, y1 * sy, x2 * sx, y2 * sy);
    }
}
