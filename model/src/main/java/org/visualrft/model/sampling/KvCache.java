package org.visualrft.model.sampling;

import java.util.List;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Keys and values of every decoder layer for the tokens seen so far, {@code [batch, kvHeads, seq, headDim]} each, in
 * the activations' dtype and on their device. The cache owns its tensors (they outlive the per-step native scopes); a
 * grown tensor replaces and frees the previous one. Close it when done. Shared by every model family that decodes
 * with {@link DecodeLoop}.
 */
public final class KvCache implements AutoCloseable {
    private final Tensor[] keys;
    private final Tensor[] values;
    private long length;

    public KvCache(int layers) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
    }

    /** Tokens cached so far (advanced once per forward, after its last layer). */
    public long length() {
        return length;
    }

    public Tensor keys(int layer) {
        return keys[layer];
    }

    public Tensor values(int layer) {
        return values[layer];
    }

    /** Appends this forward's keys and values of {@code layer} along the sequence. */
    public void append(int layer, Tensor k, Tensor v) {
        keys[layer] = replace(keys[layer], keys[layer] == null ? k.contiguous() : Tensor.cat(List.of(keys[layer], k), 2));
        values[layer] = replace(values[layer], values[layer] == null ? v.contiguous() : Tensor.cat(List.of(values[layer], v), 2));
    }

    private static Tensor replace(Tensor old, Tensor now) {
        now.persist();
        if (old != null && old != now) {
            old.close();
        }
        return now;
    }

    public void advance(long tokens) {
        length += tokens;
    }

    /** Repeats the (batch 1) cache {@code n} times along the batch, in place: a prompt prefilled once, then n samples. */
    public void repeat(int n) {
        if (keys[0] != null && keys[0].size(0) != 1) {
            throw new IllegalStateException("only a batch-1 cache can be repeated");
        }
        try (NativeScope s = NativeScope.open()) {
            for (int i = 0; i < keys.length; i++) {
                keys[i] = replace(keys[i], keys[i].expand(n, -1, -1, -1).contiguous());
                values[i] = replace(values[i], values[i].expand(n, -1, -1, -1).contiguous());
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != null) {
                keys[i].close();
                values[i].close();
                keys[i] = values[i] = null;
            }
        }
    }
}
