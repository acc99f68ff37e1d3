package org.visualrft.model.tiny;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Keys and values of every decoder layer, preallocated for {@code batch} sequences of up to {@code capacity}
 * positions ({@code [batch, kvHeads, capacity, headDim]} per layer): decoding writes one position per step in place
 * and attends over the filled prefix, so no step allocates or concatenates a growing cache.
 */
final class KvCache {
    final Tensor[] keys;
    final Tensor[] values;
    final int capacity;
    int length;

    KvCache(TinyConfig c, int batch, int capacity, DType dtype) {
        this.capacity = capacity;
        keys = new Tensor[c.layers()];
        values = new Tensor[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            keys[i] = Tensor.zeros(dtype, batch, c.numKeyValueHeads(), capacity, c.headDim());
            values[i] = Tensor.zeros(dtype, batch, c.numKeyValueHeads(), capacity, c.headDim());
        }
    }

    /**
     * Stores {@code k, v [B, kvHeads, T, headDim]} of layer {@code layer} at positions {@code length ..} and
     * returns the keys and values of all filled positions including them.
     */
    Tensor[] append(int layer, Tensor k, Tensor v) {
        long t = k.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + capacity + " positions");
        }
        long b = k.size(0);
        Tensor kc = batchView(keys[layer], b);
        Tensor vc = batchView(values[layer], b);
        kc.narrow(2, length, t).copy_(k);
        vc.narrow(2, length, t).copy_(v);
        return new Tensor[] {kc.narrow(2, 0, length + t), vc.narrow(2, 0, length + t)};
    }

    private static Tensor batchView(Tensor cache, long b) {
        return cache.size(0) == b ? cache : cache.narrow(0, 0, b);
    }

    /** After a batch-1 prefill: copies sequence 0's filled positions to every other sequence. */
    void broadcastFirst() {
        long b = keys[0].size(0);
        if (b == 1 || length == 0) {
            return;
        }
        for (int i = 0; i < keys.length; i++) {
            for (Tensor cache : new Tensor[] {keys[i], values[i]}) {
                Tensor first = cache.narrow(0, 0, 1).narrow(2, 0, length);
                cache.narrow(0, 1, b - 1).narrow(2, 0, length).copy_(first);
            }
        }
    }
}
