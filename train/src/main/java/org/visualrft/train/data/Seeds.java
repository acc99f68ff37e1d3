package org.visualrft.train.data;

/**
 * Derived seeds: every random stream of a run is a pure function of the run's seed and a position (step, epoch), so
 * a resumed run draws exactly what an uninterrupted one would, with no generator state to save.
 */
public final class Seeds {
    private Seeds() {
    }

    /** A well-mixed 64-bit seed from the run seed, a stream tag and an index (SplitMix64 finaliser). */
    public static long mix(long seed, long stream, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + stream * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The sampling generator of the {@code index}-th prompt drawn in optimiser step {@code step}: a function of the
     * seed and the prompt's global position only, so any rank can sample any prompt and N ranks draw what one does.
     */
    public static java.util.SplittableRandom forPrompt(long seed, long step, long index) {
        return new java.util.SplittableRandom(mix(mix(seed, 0x6e0a7L, step), 0x9a0b1L, index));
    }

    /**
     * The sampling generator of the {@code index}-th record of an evaluation: a function of the seed and the record's
     * position only, so sampled answers do not depend on how the records are batched.
     */
    public static java.util.SplittableRandom forRecord(long seed, long index) {
        return new java.util.SplittableRandom(mix(seed, 0xe7a1L, index));
    }

    /** The sampling generator of optimiser step {@code step} (one stream for the whole step, one process only). */
    public static java.util.SplittableRandom forStep(long seed, long step) {
        return new java.util.SplittableRandom(mix(seed, 0x5a3b1eL, step));
    }
}
