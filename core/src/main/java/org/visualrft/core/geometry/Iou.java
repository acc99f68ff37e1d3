package org.visualrft.core.geometry;

/** Overlap measures between two boxes, with the original Visual-RFT conventions (no +1, no clipping). */
public final class Iou {
    private Iou() {
    }

    /**
     * Intersection over union: 0 when the intersection is empty ({@code ix2 <= ix1 or iy2 <= iy1}), else
     * {@code inter / (area(a) + area(b) - inter)}. For proper boxes the result is in [0, 1] and symmetric.
     * Returns 0 (never NaN) when the union is not positive.
     */
    public static double of(Box a, Box b) {
        double ix1 = Math.max(a.x1(), b.x1());
        double iy1 = Math.max(a.y1(), b.y1());
        double ix2 = Math.min(a.x2(), b.x2());
        double iy2 = Math.min(a.y2(), b.y2());
        if (!(ix2 > ix1) || !(iy2 > iy1)) {
            return 0.0;
        }
        double inter = (ix2 - ix1) * (iy2 - iy1);
        double union = a.area() + b.area() - inter;
        if (!(union > 0)) {
            return 0.0;
        }
        double v = inter / union;
        return Double.isNaN(v) ? 0.0 : v;
    }

    /**
     * Generalised IoU in [-1, 1]: {@code iou - (area(C) - union) / area(C)} with C the smallest enclosing box, as
     * LISA's {@code compute_giou} computes it (intersection clamped at 0, iou 0 for a non-positive union, giou = iou
     * for a non-positive enclosing area).
     */
    public static double generalized(Box a, Box b) {
        double iw = Math.max(0.0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
        double ih = Math.max(0.0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
        double inter = iw * ih;
        double union = a.area() + b.area() - inter;
        double iou = union > 0 ? inter / union : 0.0;
        double cw = Math.max(a.x2(), b.x2()) - Math.min(a.x1(), b.x1());
        double ch = Math.max(a.y2(), b.y2()) - Math.min(a.y1(), b.y1());
        double c = cw * ch;
        return c > 0 ? iou - (c - union) / c : iou;
    }
}
