package org.visualrft.core.reward;

import java.nio.charset.StandardCharsets;
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

    /** Text as UTF-8 (ASCII, the usual case, byte by byte). */
    void writeText(CharSequence s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                byte[] utf8 = s.subSequence(i, n).toString().getBytes(StandardCharsets.UTF_8);
                write(utf8, 0, utf8.length);
                return;
            }
            data[size++] = (byte) c;
        }
    }

    byte[] array() {
        return data;
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
