package org.visualrft.train.optim;

import java.util.List;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;

/**
 * The one place a parameter update happens, for every trainer: zero the gradients, let the trainer compute its loss
 * and call backward, sum the gradients over the ranks, clip, agree across ranks whether the step is finite, and take
 * the AdamW step (or skip it everywhere); under ZeRO stage 1 each rank steps its share and sends it to the others. With one process the reductions are the identity, so a single-process run
 * computes exactly what it computed before data parallelism existed.
 */
public final class UpdateStep {
    private final List<Tensor> params;
    private final AdamW optimizer;
    private final double maxGradNorm;
    private final ProcessGroup group;

    /** What the trainer's half of an update reports: whether its losses were finite, and values to sum over ranks. */
    public record Contribution(boolean finite, double... sums) {
    }

    /** The trainer's half: forward and backward of its share of the batch (gradients accumulate). */
    @FunctionalInterface
    public interface Backward {
        Contribution run();
    }

    /**
     * @param gradNorm the total gradient norm before clipping (NaN when a loss was non-finite)
     * @param applied false when some rank saw a non-finite loss or the norm was non-finite: no rank updated
     * @param sums the contributions' sums over all ranks
     * @param seconds wall time of the phases: forward and backward, allreduce, clipping and AdamW
     */
    public record Result(double gradNorm, boolean applied, double[] sums, Seconds seconds) {
    }

    /** Where an update's time went (wall clock, this rank). */
    public record Seconds(double backward, double allreduce, double optimizer) {
    }

    /** @param maxGradNorm clip the total norm to this (0: no clipping) */
    public UpdateStep(List<Tensor> params, AdamW optimizer, double maxGradNorm, ProcessGroup group) {
        this.params = List.copyOf(params);
        this.optimizer = optimizer;
        this.maxGradNorm = maxGradNorm;
        this.group = group;
    }

    public Result apply(double lr, Backward backward) {
        long t0 = System.nanoTime();
        optimizer.zeroGrad();
        Contribution c = backward.run();
        long t1 = System.nanoTime();
        double[] local = new double[c.sums().length + 1];
        local[0] = c.finite() ? 0 : 1;
        System.arraycopy(c.sums(), 0, local, 1, c.sums().length);
        double[] total = group.allreduceSum(local);
        boolean finite = total[0] == 0; // the same verdict on every rank
        if (finite) {
            group.allreduceGradients(params); // sums: each rank's loss is already its share of the global mean
        }
        long t2 = System.nanoTime();
        double[] sums = java.util.Arrays.copyOfRange(total, 1, total.length);
        double norm = finite ? GradClip.clip(params, maxGradNorm) : Double.NaN;
        if (!finite || !Double.isFinite(norm)) {
            optimizer.zeroGrad(); // the same verdict on every rank: the norm is of the summed gradients
            return new Result(norm, false, sums, seconds(t0, t1, t2));
        }
        optimizer.step(lr);
        optimizer.shareUpdates(group); // ZeRO stage 1: each rank updated its own share
        return new Result(norm, true, sums, seconds(t0, t1, t2));
    }

    private static Seconds seconds(long t0, long t1, long t2) {
        long t3 = System.nanoTime();
        return new Seconds((t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
    }
}
