package org.visualrft.model.tensor;

/**
 * Counts the libtorch calls made through {@link Tensor} on this JVM while switched on: the CPU-checkable proxy for the
 * kernels a GPU launches (a decode step replayed as a CUDA graph costs about one kernel node per op).
 *
 * <p>Each call that makes a tensor is counted once, as an <b>op</b> when its result has its own storage (a kernel ran)
 * and as a <b>view</b> when it is a view of another tensor (shape metadata only, no kernel); in-place ops count as ops.
 * A composite libtorch op counts once however many kernels it runs inside (on the CPU: {@code rms_norm}, attention).
 * Views are recognised by libtorch's view tracking, which is on outside inference mode (so count under
 * {@link Tensor#noGrad()} or with autograd on, not under {@link Tensor#inferenceMode()}).
 *
 * <p>One counter for the whole process, meant for one thread at a time (a benchmark, a test); off by default, when
 * the cost is one volatile read per op. {@code -Dvrft.countOps=true} switches it on at start-up.
 */
public final class OpCounter {
    private static volatile boolean on = Boolean.getBoolean("vrft.countOps");
    private static long ops;
    private static long views;

    /** Ops and views counted between two snapshots. */
    public record Counts(long ops, long views) {
        public Counts minus(Counts earlier) {
            return new Counts(ops - earlier.ops, views - earlier.views);
        }
    }

    private OpCounter() {
    }

    /** Resets both counts to zero and switches counting on. */
    public static void start() {
        ops = 0;
        views = 0;
        on = true;
    }

    /** Switches counting off and returns the counts since {@link #start()}. */
    public static Counts stop() {
        on = false;
        return snapshot();
    }

    public static boolean isOn() {
        return on;
    }

    /** The counts so far (counting stays as it is). */
    public static Counts snapshot() {
        return new Counts(ops, views);
    }

    /** A call returned {@code result}. */
    static void made(org.bytedeco.pytorch.Tensor result) {
        if (on) {
            if (result.is_view()) {
                views++;
            } else {
                ops++;
            }
        }
    }

    /** An in-place op ran. */
    static void inPlace() {
        if (on) {
            ops++;
        }
    }
}
