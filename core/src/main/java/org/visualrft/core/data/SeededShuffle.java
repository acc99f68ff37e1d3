package org.visualrft.core.data;

import java.nio.charset.StandardCharsets;

/**
 * A reproducible shuffle that depends only on (seed, key): SplitMix64 seeded from the seed and a 64-bit FNV-1a hash
 * of the key, driving a Fisher-Yates shuffle. Both algorithms are written out here, so the choice is the same on
 * every JDK and platform, and a class's draw does not change when other classes are added or removed.
 */
public final class SeededShuffle {
    private long state;

    public SeededShuffle(long seed, String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        state = seed ^ h;
    }

    /** SplitMix64's next value. */
    long nextLong() {
        long z = (state += 0x9e3779b97f4a7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound) without modulo bias (rejection sampling). */
    int nextInt(int bound) {
        long limit = Long.divideUnsigned(-1L, bound) * bound; // largest multiple of bound in unsigned 64-bit range
        while (true) {
            long r = nextLong();
            if (Long.compareUnsigned(r, limit) < 0) {
                return (int) Long.remainderUnsigned(r, bound);
            }
        }
    }

    /** Shuffles {@code a} in place (Fisher-Yates from the end). */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
