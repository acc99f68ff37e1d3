package org.visualrft.model.policy;

/** Reference log-softmax and entropy of one row of flat {@code [rows, v]} logits, in float64, for the tests. */
public final class RowSoftmax {
    private RowSoftmax() {
    }

    /** Log-softmax of row {@code row}. */
    public static double[] logSoftmax(float[] logits, int row, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            max = Math.max(max, logits[row * v + i]);
        }
        double z = 0;
        for (int i = 0; i < v; i++) {
            z += Math.exp(logits[row * v + i] - max);
        }
        double[] out = new double[v];
        for (int i = 0; i < v; i++) {
            out[i] = logits[row * v + i] - max - Math.log(z);
        }
        return out;
    }

    /** -Σ p log p of row {@code row}. */
    public static double entropy(float[] logits, int row, int v) {
        double h = 0;
        for (double lp : logSoftmax(logits, row, v)) {
            h -= Math.exp(lp) * lp;
        }
        return h;
    }
}
