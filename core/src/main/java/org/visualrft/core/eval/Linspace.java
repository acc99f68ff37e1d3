package org.visualrft.core.eval;

/**
 * {@code numpy.linspace(start, stop, num)} bit for bit: {@code start + i * step} with
 * {@code step = (stop - start) / (num - 1)}, the last point forced to {@code stop}. The reference evaluators compare
 * IoUs and recalls against these exact doubles (the 58th recall threshold is 0.5700000000000001, not 0.57).
 */
public final class Linspace {
    private Linspace() {
    }

    public static double[] of(double start, double stop, int num) {
        double[] y = new double[num];
        if (num == 1) {
            y[0] = start;
            return y;
        }
        int div = num - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++) {
            // numpy: when the step underflows to 0 it scales by delta / div instead
            y[i] = step == 0 ? (i / (double) div) * delta + start : i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /** IoU thresholds 0.50:0.05:0.95 of COCO and LVIS. */
    public static double[] cocoIouThresholds() {
        return of(0.5, 0.95, 10);
    }

    /** The 101 recall points 0:0.01:1 of COCO and LVIS. */
    public static double[] cocoRecallThresholds() {
        return of(0.0, 1.0, 101);
    }
}
