package org.visualrft.model.safetensors;

import org.visualrft.model.tensor.DType;

/**
 * One tensor's header entry: dtype, shape and its byte range {@code [begin, end)} relative to the start of the data
 * section (the file offset is {@code 8 + headerLength + begin}).
 */
public record TensorEntry(String name, DType dtype, long[] shape, long begin, long end) {
    public long numel() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public long byteLength() {
        return end - begin;
    }
}
