package org.visualrft.train.metrics;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a TensorBoard event file back for tests: every record's framing and both checksums are checked, and each Event
 * is decoded from its wire format (field numbers of event.proto and summary.proto) as a reader that knows nothing of
 * the writer would.
 */
public final class EventFileReader {
    /**
     * One event: which kind ({@code file_version}, {@code session_start}, {@code scalars}: a summary), step, its
     * scalar values and its texts (the text plugin's string tensors) by tag.
     */
    public record Event(String kind, double wallTime, long step, String fileVersion, Map<String, Float> scalars,
            Map<String, String> texts) {
    }

    private EventFileReader() {
    }

    public static List<Event> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] len = new byte[8];
            b.get(len);
            int lenCrc = b.getInt();
            check(len, lenCrc, file);
            long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
            byte[] data = new byte[Math.toIntExact(n)];
            b.get(data);
            check(data, b.getInt(), file);
            out.add(event(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN)));
        }
        return out;
    }

    private static void check(byte[] bytes, int masked, Path file) {
        if (TfEventsFile.maskedCrc(bytes) != masked) {
            throw new AssertionError(file + ": a record's checksum does not match");
        }
    }

    private static Event event(ByteBuffer b) {
        double wall = 0;
        long step = 0;
        String kind = null;
        String version = null;
        Map<String, Float> scalars = new LinkedHashMap<>();
        Map<String, String> texts = new LinkedHashMap<>();
        while (b.hasRemaining()) {
            long key = varint(b);
            int field = (int) (key >>> 3);
            int type = (int) (key & 7);
            switch (field) {
                case 1 -> wall = expect(type, 1, b).getDouble();
                case 2 -> step = expectVarint(type, b);
                case 3 -> {
                    kind = "file_version";
                    version = new String(bytes(type, b), StandardCharsets.UTF_8);
                }
                case 5 -> {
                    kind = "scalars";
                    summary(ByteBuffer.wrap(bytes(type, b)).order(ByteOrder.LITTLE_ENDIAN), scalars, texts);
                }
                case 7 -> {
                    ByteBuffer log = ByteBuffer.wrap(bytes(type, b));
                    if (varint(log) != 8 || varint(log) != 1 || log.hasRemaining()) {
                        throw new AssertionError("a session log other than START");
                    }
                    kind = "session_start";
                }
                default -> throw new AssertionError("unexpected Event field " + field);
            }
        }
        return new Event(kind, wall, step, version, scalars, texts);
    }

    private static void summary(ByteBuffer b, Map<String, Float> into, Map<String, String> texts) {
        while (b.hasRemaining()) {
            if (varint(b) != ((1 << 3) | 2)) {
                throw new AssertionError("a Summary field other than value");
            }
            ByteBuffer v = ByteBuffer.wrap(bytes(2, b)).order(ByteOrder.LITTLE_ENDIAN);
            String tag = null;
            Float value = null;
            String text = null;
            boolean textPlugin = false;
            while (v.hasRemaining()) {
                long key = varint(v);
                if (key == ((1 << 3) | 2)) {
                    tag = new String(bytes(2, v), StandardCharsets.UTF_8);
                } else if (key == ((2 << 3) | 5)) {
                    value = v.getFloat();
                } else if (key == ((8 << 3) | 2)) {
                    text = stringTensor(ByteBuffer.wrap(bytes(2, v)));
                } else if (key == ((9 << 3) | 2)) {
                    textPlugin = pluginName(ByteBuffer.wrap(bytes(2, v))).equals("text");
                } else {
                    throw new AssertionError("unexpected Summary.Value key " + key);
                }
            }
            if (text != null) {
                if (tag == null || !textPlugin || texts.put(tag, text) != null) {
                    throw new AssertionError("a text without a tag or the text plugin, or a tag twice: " + tag);
                }
                continue;
            }
            if (tag == null || value == null || into.put(tag, value) != null) {
                throw new AssertionError("a value without a tag or a number, or a tag twice: " + tag);
            }
        }
    }

    /** A TensorProto of dtype DT_STRING (7), shape [1], one string. */
    private static String stringTensor(ByteBuffer t) {
        long dtype = -1;
        String value = null;
        boolean shapeOfOne = false;
        while (t.hasRemaining()) {
            long key = varint(t);
            if (key == ((1 << 3) | 0)) {
                dtype = varint(t);
            } else if (key == ((2 << 3) | 2)) {
                byte[] shape = bytes(2, t);
                shapeOfOne = java.util.Arrays.equals(shape, new byte[] {0x12, 0x02, 0x08, 0x01}); // dim { size: 1 }
            } else if (key == ((8 << 3) | 2)) {
                value = new String(bytes(2, t), StandardCharsets.UTF_8);
            } else {
                throw new AssertionError("unexpected TensorProto key " + key);
            }
        }
        if (dtype != 7 || !shapeOfOne || value == null) {
            throw new AssertionError("not a one-element string tensor");
        }
        return value;
    }

    /** SummaryMetadata.plugin_data.plugin_name. */
    private static String pluginName(ByteBuffer m) {
        if (varint(m) != ((1 << 3) | 2)) {
            throw new AssertionError("metadata without plugin_data");
        }
        ByteBuffer pd = ByteBuffer.wrap(bytes(2, m));
        if (varint(pd) != ((1 << 3) | 2)) {
            throw new AssertionError("plugin_data without plugin_name");
        }
        return new String(bytes(2, pd), StandardCharsets.UTF_8);
    }

    private static ByteBuffer expect(int type, int wanted, ByteBuffer b) {
        if (type != wanted) {
            throw new AssertionError("wire type " + type + ", expected " + wanted);
        }
        return b;
    }

    private static long expectVarint(int type, ByteBuffer b) {
        expect(type, 0, b);
        return varint(b);
    }

    private static byte[] bytes(int type, ByteBuffer b) {
        expect(type, 2, b);
        byte[] out = new byte[Math.toIntExact(varint(b))];
        b.get(out);
        return out;
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0; ; shift += 7) {
            int x = b.get() & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if (x < 0x80) {
                return v;
            }
        }
    }
}
