package org.visualrft.core.eval;

/**
 * Box IoU as pycocotools' {@code maskUtils.iou} computes it for {@code [x, y, w, h]} boxes: corners x + w, y + h,
 * no +1, no clipping; 0 when the boxes do not overlap with positive width and height. Against a crowd region the
 * union is the detection's own area (a detection inside a crowd scores 1).
 */
public final class BoxIou {
    private BoxIou() {
    }

    public static double iou(double dx, double dy, double dw, double dh, double gx, double gy, double gw, double gh,
            boolean crowd) {
        double w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
        if (w <= 0) {
            return 0;
        }
        double h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (h <= 0) {
            return 0;
        }
        double inter = w * h;
        double detArea = dw * dh;
        double union = crowd ? detArea : detArea + gw * gh - inter;
        return inter / union;
    }
}
