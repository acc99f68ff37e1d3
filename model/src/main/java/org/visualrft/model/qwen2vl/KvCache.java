package org.visualrft.model.qwen2vl;

import java.util.List;
import org.visualrft.model.tensor.Tensor;

/**
 * Keys and values of every decoder layer for the tokens seen so far, {@code [batch, kvHeads, seq, headDim]} each, plus
 * the rope delta that turns a cache position into an M-RoPE id. Tensors live in the caller's native scope.
 */
public final class KvCache {
    final Tensor[] keys;
    final Tensor[] values;
    private long length;
    private final long[] ropeDeltas;

    public KvCache(int layers, long[] ropeDeltas) {
        this.keys = new Tensor[layers];
        this.values = new Tensor[layers];
        this.ropeDeltas = ropeDeltas.clone();
    }

    /** Tokens cached so far. */
    public long length() {
        return length;
    }

    public long[] ropeDeltas() {
        return ropeDeltas.clone();
    }

    void append(int layer, Tensor k, Tensor v) {
        keys[layer] = keys[layer] == null ? k : Tensor.cat(List.of(keys[layer], k), 2);
        values[layer] = values[layer] == null ? v : Tensor.cat(List.of(values[layer], v), 2);
    }

    void advance(long tokens) {
        length += tokens;
    }

    /** The same cache repeated {@code n} times along the batch (a prompt prefilled once, then n samples). */
    public KvCache repeat(int n) {
        if (keys[0] != null && keys[0].size(0) != 1) {
            throw new IllegalStateException("only a batch-1 cache can be repeated");
        }
        long[] deltas = new long[n];
        java.util.Arrays.fill(deltas, ropeDeltas[0]);
        KvCache c = new KvCache(keys.length, deltas);
        for (int i = 0; i < keys.length; i++) {
            c.keys[i] = keys[i].expand(n, -1, -1, -1).contiguous();
            c.values[i] = values[i].expand(n, -1, -1, -1).contiguous();
        }
        c.length = length;
        return c;
    }

    /** Keeps only the batch rows {@code rows} (int64 indices). */
    public KvCache select(Tensor rows, long[] deltas) {
        KvCache c = new KvCache(keys.length, deltas);
        for (int i = 0; i < keys.length; i++) {
            c.keys[i] = keys[i].indexSelect(0, rows);
            c.values[i] = values[i].indexSelect(0, rows);
        }
        c.length = length;
        return c;
    }
}
