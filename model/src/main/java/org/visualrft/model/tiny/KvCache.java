package org.visualrft.model.tiny;

import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * Keys and values of every decoder layer, preallocated for {@code batch} sequences of up to {@code capacity}
 * positions: one tensor {@code [batch, 2·kvHeads, capacity, headDim]} per layer (keys in the first kvHeads, values in
 * the rest, the order the fused projection produces them), so a step writes both with one copy, in place, and
 * attends over fixed views of the filled prefix. No step allocates or concatenates a growing cache.
 */
final class KvCache {
    private final Tensor[] kv;
    private final Tensor[] keys;
    private final Tensor[] values;
    private final int kvHeads;
    final int capacity;
    int length;

    KvCache(TinyConfig c, int batch, int capacity, DType dtype, Device device) {
        this(zeros(c, batch, capacity, dtype, device), c.numKeyValueHeads(), capacity);
    }

    private KvCache(Tensor[] kv, int kvHeads, int capacity) {
        this.capacity = capacity;
        this.kvHeads = kvHeads;
        this.kv = kv;
        keys = new Tensor[kv.length];
        values = new Tensor[kv.length];
        for (int i = 0; i < kv.length; i++) {
            keys[i] = kv[i].narrow(1, 0, kvHeads);
            values[i] = kv[i].narrow(1, kvHeads, kvHeads);
        }
    }

    private static Tensor[] zeros(TinyConfig c, int batch, int capacity, DType dtype, Device device) {
        Tensor[] kv = new Tensor[c.layers()];
        for (int i = 0; i < kv.length; i++) {
            kv[i] = Tensor.zeros(dtype, device, batch, 2L * c.numKeyValueHeads(), capacity, c.headDim());
        }
        return kv;
    }

    /**
     * Sequences {@code from .. from+count-1} as an empty cache of their own over the same storage: one prompt's
     * prefill writes its group's rows of a cache that several groups then decode in together.
     */
    KvCache rows(int from, int count) {
        Tensor[] part = new Tensor[kv.length];
        for (int i = 0; i < kv.length; i++) {
            part[i] = kv[i].narrow(0, from, count);
        }
        return new KvCache(part, kvHeads, capacity);
    }

    /**
     * Stores {@code kvNew [B, 2·kvHeads, T, headDim]} of layer {@code layer} at positions {@code length ..} and
     * returns the keys and values of all filled positions including them.
     */
    Tensor[] append(int layer, Tensor kvNew) {
        long t = kvNew.size(2);
        if (length + t > capacity) {
            throw new IllegalStateException("KV cache full: " + capacity + " positions");
        }
        long b = kvNew.size(0);
        batchView(kv[layer], b).narrow(2, length, t).copy_(kvNew);
        return new Tensor[] {batchView(keys[layer], b).narrow(2, 0, length + t),
            batchView(values[layer], b).narrow(2, 0, length + t)};
    }

    private static Tensor batchView(Tensor cache, long b) {
        return cache.size(0) == b ? cache : cache.narrow(0, 0, b);
    }

    /** After a batch-1 prefill: copies sequence 0's filled positions to every other sequence. */
    void broadcastFirst() {
        long b = kv[0].size(0);
        if (b == 1 || length == 0) {
            return;
        }
        for (Tensor cache : kv) {
            Tensor first = cache.narrow(0, 0, 1).narrow(2, 0, length);
            cache.narrow(0, 1, b - 1).narrow(2, 0, length).copy_(first);
        }
    }
}
