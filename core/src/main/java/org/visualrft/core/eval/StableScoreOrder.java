package org.visualrft.core.eval;

/**
 * The order {@code numpy.argsort(-scores, kind='mergesort')} gives: descending score, ties in input order.
 * Compares with {@code <} (not {@link Double#compare}) so 0.0 and -0.0 tie as they do in numpy.
 */
public final class StableScoreOrder {
    private StableScoreOrder() {
    }

    /** Indices {@code from..to-1} of {@code scores} in descending-score stable order. */
    public static int[] descending(double[] scores, int from, int to) {
        int n = to - from;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
        }
        if (n < 2) {
            return idx;
        }
        int[] tmp = new int[n];
        mergeSort(scores, idx, tmp, 0, n);
        return idx;
    }

    /** All indices of {@code scores} in descending-score stable order. */
    public static int[] descending(double[] scores) {
        return descending(scores, 0, scores.length);
    }

    private static void mergeSort(double[] s, int[] a, int[] tmp, int lo, int hi) {
        int n = hi - lo;
        if (n <= 16) {
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                double sv = s[v];
                int j = i - 1;
                while (j >= lo && s[a[j]] < sv) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(s, a, tmp, lo, mid);
        mergeSort(s, a, tmp, mid, hi);
        if (!(s[a[mid - 1]] < s[a[mid]])) {
            return; // already in order: left's last is not below right's first
        }
        System.arraycopy(a, lo, tmp, lo, n);
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
            // take from the right only when strictly higher, so ties keep left-first (stable)
            if (s[tmp[i]] < s[tmp[j]]) {
                a[k++] = tmp[j++];
            } else {
                a[k++] = tmp[i++];
            }
        }
        while (i < mid) {
            a[k++] = tmp[i++];
        }
        while (j < hi) {
            a[k++] = tmp[j++];
        }
    }
}
