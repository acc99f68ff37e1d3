package org.visualrft.model.tensor;

import java.util.List;

/**
 * The ranks of a data-parallel run and the collectives training needs, over PyTorch's c10d (Gloo on CPU, NCCL on
 * CUDA) or, for one process, {@link #single()}, which does nothing. Every collective blocks until all ranks took part
 * and throws {@link DistributedException} (naming this rank) when a peer died, stalled past the timeout or never
 * arrived, so a failing rank is an error on every rank, never a hang.
 */
public interface ProcessGroup extends AutoCloseable {

    /** This process's rank, 0 to {@link #worldSize()} - 1. */
    int rank();

    int worldSize();

    /** Rank 0: the one that writes metrics and checkpoints. */
    default boolean isMain() {
        return rank() == 0;
    }

    /**
     * Sums the gradients of {@code params} over all ranks, in place (flat buckets of one dtype, at most
     * {@value C10dProcessGroup#BUCKET_BYTES} bytes each). A parameter without a gradient on this rank takes part as
     * zeros (and is given one), so every rank sends the same layout.
     */
    void allreduceGradients(List<Tensor> params);

    /** Element-wise sum over all ranks (metrics, counts, flags). */
    double[] allreduceSum(double[] values);

    /** Element-wise maximum over all ranks. */
    double[] allreduceMax(double[] values);

    /** Copies {@code root}'s values of {@code tensors} into every rank's (in place, without autograd). */
    void broadcast(List<Tensor> tensors, int root);

    /**
     * Every rank's {@code mine}, in rank order, on {@code root}; the other ranks get an empty list (text that only one
     * rank writes, such as logged completions). Every rank must call it. One process: its own bytes.
     */
    default List<byte[]> gatherBytes(byte[] mine, int root) {
        if (worldSize() == 1) {
            return List.of(mine.clone());
        }
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot gather bytes");
    }

    /** Waits for every rank. */
    void barrier();

    @Override
    void close();

    /** Joins the c10d process group described by {@code rv} (blocks until every rank arrived or the timeout). */
    static ProcessGroup connect(Rendezvous rv) {
        return C10dProcessGroup.connect(rv);
    }

    /** One process: every collective is the identity. */
    static ProcessGroup single() {
        return SingleProcess.INSTANCE;
    }
}
