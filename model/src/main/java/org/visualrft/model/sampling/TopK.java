package org.visualrft.model.sampling;

import java.util.Arrays;

/** The k largest entries of a float row, by a bounded min-heap: O(n log k), no full sort of the vocabulary. */
final class TopK {
    private TopK() {
    }

    /**
     * Indices (relative to {@code offset}) of the entries at least as large as the {@code k}-th largest value,
     * descending, ties by lower index first: the {@code k} largest plus any tied with the {@code k}-th, as Hugging
     * Face's {@code TopKLogitsWarper} keeps them (it removes only {@code scores < kth}; bf16 logits tie often).
     */
    static int[] withTies(float[] v, int offset, int n, int k) {
        float[] leftOut = {Float.NEGATIVE_INFINITY};
        int[] top = select(v, offset, n, k, leftOut);
        if (top.length < k || leftOut[0] != v[offset + top[k - 1]] || leftOut[0] == Float.NEGATIVE_INFINITY) {
            return top; // the largest value left out is below the k-th (or weighs 0): no tie was cut
        }
        float kth = leftOut[0];
        int last = top[k - 1]; // ranked last: of the entries equal to kth that were kept, the highest index
        int extra = 0;
        for (int i = last + 1; i < n; i++) {
            if (v[offset + i] == kth) {
                extra++;
            }
        }
        int[] out = Arrays.copyOf(top, k + extra);
        int j = k;
        for (int i = last + 1; i < n; i++) {
            if (v[offset + i] == kth) {
                out[j++] = i; // equal to the last, higher indices: the order stays descending, ties by index
            }
        }
        return out;
    }

    /** Indices (relative to {@code offset}) of the {@code k} largest values, descending; ties: lower index first. */
    static int[] indices(float[] v, int offset, int n, int k) {
        return select(v, offset, n, k, new float[1]);
    }

    /** {@link #indices}; {@code leftOut[0]} receives the largest value not selected (−∞ when none). */
    private static int[] select(float[] v, int offset, int n, int k, float[] leftOut) {
        int[] heap = new int[k]; // min-heap by (value, -index): the root is the weakest kept entry
        int size = 0;
        float dropped = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (size < k) {
                heap[size] = i;
                siftUp(v, offset, heap, size++);
            } else if (better(v, offset, i, heap[0])) {
                dropped = Math.max(dropped, v[offset + heap[0]]); // evicted (rare: O(k log n) times)
                heap[0] = i;
                siftDown(v, offset, heap, size);
            } else if (v[offset + i] > dropped) {
                dropped = v[offset + i]; // rejected
            }
        }
        leftOut[0] = dropped;
        Integer[] boxed = new Integer[size];
        for (int j = 0; j < size; j++) {
            boxed[j] = heap[j];
        }
        Arrays.sort(boxed, (a, b) -> better(v, offset, a, b) ? -1 : better(v, offset, b, a) ? 1 : 0);
        int[] out = new int[size];
        for (int j = 0; j < size; j++) {
            out[j] = boxed[j];
        }
        return out;
    }

    /** Whether entry a ranks above entry b: larger value, or equal value and lower index. */
    private static boolean better(float[] v, int off, int a, int b) {
        float x = v[off + a];
        float y = v[off + b];
        return x > y || (x == y && a < b);
    }

    private static void siftUp(float[] v, int off, int[] h, int i) {
        while (i > 0) {
            int p = (i - 1) / 2;
            if (better(v, off, h[p], h[i])) {
                int t = h[p];
                h[p] = h[i];
                h[i] = t;
                i = p;
            } else {
                return;
            }
        }
    }

    private static void siftDown(float[] v, int off, int[] h, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            int r = l + 1;
            int m = i;
            if (l < size && better(v, off, h[m], h[l])) {
                m = l;
            }
            if (r < size && better(v, off, h[m], h[r])) {
                m = r;
            }
            if (m == i) {
                return;
            }
            int t = h[m];
            h[m] = h[i];
            h[i] = t;
            i = m;
        }
    }
}
