package org.visualrft.core.answer.py;

/**
 * {@code sorted(items, key=..., reverse=True)} as CPython 3.11 runs it: reverse, stable ascending sort with
 * {@code <} ({@link CPythonListSort}), reverse again. For totally ordered keys this is a stable descending sort; with
 * NaN keys the order is whatever CPython's comparisons produce, and this reproduces it.
 */
public final class PySort {
    private PySort() {
    }

    /** The permutation {@code sorted(range(n), key=keys.__getitem__, reverse=True)}; PyError where Python raises. */
    public static int[] descending(Object[] keys) {
        int n = keys.length;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = n - 1 - i;
        }
        CPythonListSort.sort(idx, keys);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[n - 1 - i];
        }
        return out;
    }
}
