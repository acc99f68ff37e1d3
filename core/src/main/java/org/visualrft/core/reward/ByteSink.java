package org.visualrft.core.reward;

import java.util.Arrays;

/** A growable byte buffer for one batch of output lines. */
final class ByteSink {
    private byte[] data;
    private int size;

    ByteSink(int capacity) {
        data = new byte[Math.max(64, capacity)];
    }

    void write(int b) {
        ensure(1);
        data[size++] = (byte) b;
    }

    void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, data, size, len);
        size += len;
    }

    void write(byte[] src) {
        write(src, 0, src.length);
    }

    /** Text known to be ASCII (a number's digits), a byte per char. */
    void writeAscii(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            data[size++] = (byte) s.charAt(i);
        }
    }

    /** A long in decimal, as {@link Long#toString(long)} writes it. */
    void writeLong(long v) {
        if (v == Long.MIN_VALUE) {
            writeAscii(Long.toString(v)); // the one long that does not negate
            return;
        }
        if (v < 0) {
            write('-');
            v = -v;
        }
        ensure(19);
        int start = size;
        do {
            data[size++] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = size - 1; i < j; i++, j--) {
            byte t = data[i];
            data[i] = data[j];
            data[j] = t;
        }
    }

    byte[] array() {
        return data;
    }

    /** Drops what was written after the first {@code newSize} bytes. */
    void truncate(int newSize) {
        size = newSize;
    }

    int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, size + more));
        }
    }
}
