package org.visualrft.train.data;

import java.util.SplittableRandom;

/**
 * The order examples are drawn in: a fresh permutation per epoch from (seed, epoch), walked front to back. The whole
 * state is (epoch, position), so a checkpoint restores it exactly.
 */
public final class DataOrder {
    private final int size;
    private final long seed;
    private int epoch;
    private int position;
    private int[] order;

    public DataOrder(int size, long seed) {
        this(size, seed, 0, 0);
    }

    public DataOrder(int size, long seed, int epoch, int position) {
        if (size < 1) {
            throw new IllegalArgumentException("no examples");
        }
        this.size = size;
        this.seed = seed;
        this.epoch = epoch;
        this.position = position;
        this.order = permutation(size, seed, epoch);
    }

    /** The next example index. */
    public int next() {
        if (position == size) {
            epoch++;
            position = 0;
            order = permutation(size, seed, epoch);
        }
        return order[position++];
    }

    public int epoch() {
        return epoch;
    }

    public int position() {
        return position;
    }

    /** Epochs done as a fraction (for logs). */
    public double epochProgress() {
        return epoch + (double) position / size;
    }

    static int[] permutation(int n, long seed, int epoch) {
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0x5eedL, epoch));
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
