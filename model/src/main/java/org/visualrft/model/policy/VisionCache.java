package org.visualrft.model.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.visualrft.model.tensor.Tensor;

/**
 * The images of one GRPO step as a frozen vision tower encoded them, so that sampling, the reference model and the
 * policy's log-prob forwards (once per update) share one vision forward per prompt image instead of each running it.
 * The trainer opens one per step, passes it down with each call and closes it when the step ends; nothing outlives it.
 *
 * <p>An entry is keyed by the image object (identity) and by the tower that made it: a token each policy holds and
 * hands on to its frozen copies only, since their vision weights are the same frozen tensors or exact copies of them.
 * A policy whose vision tower trains (vrft-tiny) never uses the cache: its image encoding must be recomputed with
 * autograd on the current weights.
 *
 * <p>The tensors are the tower's own outputs, on the model's device, held outside every
 * {@link org.visualrft.model.tensor.NativeScope} until {@link #close()}; nobody writes into them. Threads: the
 * reference model reads entries on its own thread while the sampler adds new ones, so access is synchronised; the
 * tower runs outside the lock.
 */
public final class VisionCache implements AutoCloseable {
    /**
     * One image, encoded.
     *
     * @param grid    the image's patch grid {@code [t, h, w]} (before the spatial merge)
     * @param tensors the tower's outputs: the merged image embeddings {@code [tokens, hidden]} first, then any further
     *                features (Qwen3-VL's DeepStack features, one per decoder layer they feed)
     */
    public record Entry(int[] grid, List<Tensor> tensors) {
        public Entry {
            grid = grid.clone();
            tensors = List.copyOf(tensors);
        }

        public Tensor embeddings() {
            return tensors.get(0);
        }

        /** The image's tokens in the prompt: its patches after the {@code mergeSize}² spatial merge. */
        public int tokens(int mergeSize) {
            return grid[0] * grid[1] * grid[2] / (mergeSize * mergeSize);
        }
    }

    private record Key(Image image, Object tower) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.image == image && k.tower == tower;
        }

        @Override
        public int hashCode() {
            return 31 * System.identityHashCode(image) + System.identityHashCode(tower);
        }
    }

    private final Map<Key, Entry> entries = new HashMap<>();
    private int encodes;
    private boolean closed;

    /**
     * The encoding of {@code image} by {@code tower}: the cached one, else what {@code encode} makes (kept for the rest
     * of the step; its tensors are taken out of the caller's scope).
     */
    public Entry get(Image image, Object tower, Supplier<Entry> encode) {
        Key key = new Key(image, tower);
        synchronized (this) {
            requireOpen();
            Entry e = entries.get(key);
            if (e != null) {
                return e;
            }
        }
        Entry made = encode.get();
        made.tensors().forEach(Tensor::persist);
        synchronized (this) {
            Entry earlier = closed ? null : entries.putIfAbsent(key, made);
            if (closed || earlier != null) { // closed meanwhile, or another thread encoded the same image first
                made.tensors().forEach(Tensor::close);
                requireOpen();
                return earlier;
            }
            encodes++;
            return made;
        }
    }

    /** How many images were encoded into this cache (the vision forwards it saved the others). */
    public synchronized int encodes() {
        return encodes;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("the vision cache of this step is closed");
        }
    }

    /** Frees every entry's tensors. Call it once nothing reads them any more (the reference thread included). */
    @Override
    public synchronized void close() {
        List<Entry> all = new ArrayList<>(entries.values());
        entries.clear();
        closed = true;
        for (Entry e : all) {
            e.tensors().forEach(Tensor::close);
        }
    }
}
