package org.visualrft.train.metrics;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The protocol-buffer wire format, as much of it as an event file needs: a field is its number and wire type as a
 * varint key, then a varint (type 0), 8 little-endian bytes (type 1), a length-prefixed run of bytes (type 2), or 4
 * little-endian bytes (type 5). Fields are written in the order asked for.
 */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(int field, long value) {
        key(field, 0);
        raw(value);
        return this;
    }

    ProtoWriter fixed64(int field, double value) {
        key(field, 1);
        long bits = Double.doubleToRawLongBits(value);
        for (int i = 0; i < 8; i++) {
            out.write((int) (bits >>> (8 * i)));
        }
        return this;
    }

    ProtoWriter fixed32(int field, float value) {
        key(field, 5);
        int bits = Float.floatToRawIntBits(value);
        for (int i = 0; i < 4; i++) {
            out.write(bits >>> (8 * i));
        }
        return this;
    }

    ProtoWriter bytes(int field, byte[] value) {
        key(field, 2);
        raw(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtoWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter message(int field, ProtoWriter value) {
        return bytes(field, value.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void key(int field, int wireType) {
        raw(((long) field << 3) | wireType);
    }

    /** Seven bits at a time, low first, the high bit set on every byte but the last (negative int64: ten bytes). */
    private void raw(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
