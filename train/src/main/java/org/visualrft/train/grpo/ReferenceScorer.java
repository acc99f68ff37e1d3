package org.visualrft.train.grpo;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Reference-model log-probs of sampled groups, computed on a second thread while the policy samples the next group
 * (what the two threads share they only read: with LoRA the frozen base weights, the reference being the same model
 * with the adapters off, and the step's encoded images). Values come back as Java arrays and become float64 tensors
 * in the caller's scope: exactly what scoring them in line would give. With
 * {@code -Dvrft.train.refThread=false} they are computed in line (for measuring the difference).
 */
final class ReferenceScorer implements AutoCloseable {
    private final Policy reference;
    private final ExecutorService pool;
    private final Map<ScoredGroup, Future<Scored>> pending = new IdentityHashMap<>();
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final AtomicLong cpuNanos = new AtomicLong();

    private record Scored(double[] values, long rows, long cols) {
    }

    ReferenceScorer(Policy reference) {
        this.reference = reference;
        boolean thread = !"false".equals(System.getProperty("vrft.train.refThread"));
        // libtorch's intra-op thread count is per thread (OpenMP): give the helper the caller's setting
        int threads = Engine.threads();
        this.pool = thread ? Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(() -> {
                Engine.setThreads(threads);
                r.run();
            }, "grpo-reference");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    /**
     * Starts scoring {@code g} (called as soon as a group is sampled), its image taken from {@code images} (null: the
     * reference encodes it itself).
     */
    void submit(ScoredGroup g, VisionCache images) {
        if (pool != null) {
            pending.put(g, pool.submit(() -> score(g, images)));
        }
    }

    /** The reference log-probs of each group [G, T] in float64, in order; clears what was submitted. */
    List<Tensor> logProbs(List<ScoredGroup> groups, VisionCache images) {
        List<Tensor> out = new ArrayList<>(groups.size());
        try {
            for (ScoredGroup g : groups) {
                Future<Scored> f = pending.get(g);
                Scored s = f != null ? f.get() : score(g, images);
                out.add(Tensor.fromDoubles(s.values(), s.rows(), s.cols()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring with the reference model", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new IllegalStateException(c);
        } finally {
            awaitPending();
        }
        return out;
    }

    /**
     * Waits until no submitted scoring runs any more (their results or failures dropped) and forgets them: after it, the
     * step may free what they read (its {@link VisionCache}).
     */
    void awaitPending() {
        boolean interrupted = false;
        for (Future<Scored> f : pending.values()) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // still wait: the task may be reading tensors about to be freed
                } catch (ExecutionException | CancellationException e) {
                    break; // the step already failed or ends; what matters here is that the task is over
                }
            }
        }
        pending.clear();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The CPU time scoring took since the last call, on whichever thread scored, in seconds: what the reference costs
     * whether or not a spare core hides it (NaN where the JVM cannot measure thread CPU time).
     */
    double takeCpuSeconds() {
        long n = cpuNanos.getAndSet(0);
        return threads.isCurrentThreadCpuTimeSupported() ? n / 1e9 : Double.NaN;
    }

    private Scored score(ScoredGroup g, VisionCache images) {
        long c0 = threads.getCurrentThreadCpuTime();
        try (NativeScope s = NativeScope.open(); var noGrad = Tensor.noGrad()) {
            List<int[]> tokens = new ArrayList<>(g.rollouts().size());
            for (Rollout r : g.rollouts()) {
                tokens.add(r.tokens());
            }
            GroupLogProbs lp = reference.logProbs(g.example().prompt(), tokens, images);
            return new Scored(lp.logProbs().toDoubles(), lp.logProbs().size(0), lp.logProbs().size(1));
        } finally {
            cpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - c0);
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
        pending.clear();
    }
}
