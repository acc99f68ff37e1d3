package org.visualrft.core.eval;

/**
 * The order {@code numpy.argsort(-scores, kind='mergesort')} gives: descending score, ties in input order.
 * Compares with {@code <} (not {@link Double#compare}) so 0.0 and -0.0 tie as they do in numpy.
 *
 * <p>Bottom-up merge sort (insertion-sorted runs of 32, then merges that skip runs already in order): no recursion,
 * so the JIT compiles it once, which matters for a command that runs for a second or two.
 */
public final class StableScoreOrder {
    private static final int RUN = 32;

    private StableScoreOrder() {
    }

    /** All indices of {@code scores} in descending-score stable order. */
    public static int[] descending(double[] scores) {
        return descending(scores, 0, scores.length);
    }

    /** Indices {@code from..to-1} of {@code scores} in descending-score stable order. */
    public static int[] descending(double[] s, int from, int to) {
        int n = to - from;
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = from + i;
        }
        for (int lo = 0; lo < n; lo += RUN) {
            int hi = Math.min(lo + RUN, n);
            for (int i = lo + 1; i < hi; i++) {
                int v = a[i];
                double sv = s[v];
                int j = i - 1;
                // move only strictly lower scores right: equal scores keep their order
                while (j >= lo && s[a[j]] < sv) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = v;
            }
        }
        if (n <= RUN) {
            return a;
        }
        int[] b = new int[n];
        for (int width = RUN; width < n; width *= 2) {
            for (int lo = 0; lo < n; lo += 2 * width) {
                int mid = Math.min(lo + width, n);
                int hi = Math.min(lo + 2 * width, n);
                merge(s, a, b, lo, mid, hi);
            }
            int[] t = a;
            a = b;
            b = t;
        }
        return a;
    }

    /** Merges a[lo..mid) and a[mid..hi) into b[lo..hi), left first on ties. */
    private static void merge(double[] s, int[] a, int[] b, int lo, int mid, int hi) {
        if (mid >= hi || !(s[a[mid - 1]] < s[a[mid]])) {
            // the right run is empty or starts no higher than the left one ends: already in order
            System.arraycopy(a, lo, b, lo, hi - lo);
            return;
        }
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
            b[k++] = s[a[i]] < s[a[j]] ? a[j++] : a[i++];
        }
        while (i < mid) {
            b[k++] = a[i++];
        }
        while (j < hi) {
            b[k++] = a[j++];
        }
    }
}
