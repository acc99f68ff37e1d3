package org.visualrft.core.answer.py;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * {@code sorted(items, key=..., reverse=True)} as CPython 3.11 runs it: reverse, stable ascending sort with
 * {@code <}, reverse again. For keys that are totally ordered any stable sort gives the same order. Keys with NaN
 * are not totally ordered and the order then depends on the algorithm: for fewer than 64 items (one run,
 * {@code count_run} + {@code binarysort}) this reproduces CPython step by step; longer lists with NaN keys use the
 * same insertion sort over the whole list, which can differ from CPython's merges.
 */
public final class PySort {
    private static final int MIN_MERGE = 64;

    private PySort() {
    }

    /** The permutation {@code sorted(range(n), key=keys.__getitem__, reverse=True)}; PyError where Python raises. */
    public static int[] descending(Object[] keys) {
        int n = keys.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = n - 1 - i; // reversed
        }
        if (n >= 2) {
            if (n >= MIN_MERGE && totallyOrdered(keys)) {
                Arrays.sort(idx, (a, b) -> PyOps.lt(keys[a], keys[b]) ? -1 : (PyOps.lt(keys[b], keys[a]) ? 1 : 0));
            } else {
                timsortSingleRun(idx, keys);
            }
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = idx[n - 1 - i];
        }
        return out;
    }

    private static boolean totallyOrdered(Object[] keys) {
        for (Object k : keys) {
            if (!PyOps.isNumber(k) || (k instanceof Double d && d.isNaN())) {
                return false;
            }
        }
        return true;
    }

    /** CPython's count_run then binarysort of the rest (exactly what list.sort does below 64 items). */
    private static void timsortSingleRun(Integer[] a, Object[] keys) {
        int n = a.length;
        int run;
        if (PyOps.lt(keys[a[1]], keys[a[0]])) {
            run = 2;
            while (run < n && PyOps.lt(keys[a[run]], keys[a[run - 1]])) {
                run++;
            }
            Collections.reverse(Arrays.asList(a).subList(0, run));
        } else {
            run = 2;
            while (run < n && !PyOps.lt(keys[a[run]], keys[a[run - 1]])) {
                run++;
            }
        }
        for (int start = run; start < n; start++) {
            Integer pivot = a[start];
            int l = 0;
            int r = start;
            do {
                int p = l + ((r - l) >> 1);
                if (PyOps.lt(keys[pivot], keys[a[p]])) {
                    r = p;
                } else {
                    l = p + 1;
                }
            } while (l < r);
            System.arraycopy(a, l, a, l + 1, start - l);
            a[l] = pivot;
        }
    }

    /** Convenience for callers holding a list. */
    public static List<Object> sortedDescending(List<Object> items, Object[] keys) {
        int[] order = descending(keys);
        List<Object> out = new ArrayList<>(order.length);
        for (int i : order) {
            out.add(items.get(i));
        }
        return out;
    }

}
