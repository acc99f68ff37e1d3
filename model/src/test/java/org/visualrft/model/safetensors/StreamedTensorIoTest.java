package org.visualrft.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Tensors are streamed between native memory and files in chunks. A chunk of 3 bytes makes every multi-byte element
 * straddle chunk boundaries; the files must be byte for byte what a writer that copies whole tensors produces.
 */
class StreamedTensorIoTest {
    private int chunk;

    @BeforeEach
    void smallChunks() {
        chunk = Tensor.ioChunkBytes(3);
    }

    @AfterEach
    void restoreChunks() {
        Tensor.ioChunkBytes(chunk);
    }

    /** Random bytes of every dtype (floats from random bits, bools 0/1), {@code n} elements. */
    static Tensor random(DType dtype, long seed, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        byte[] b = new byte[(int) n * dtype.bytes()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(256));
        }
        if (dtype.isFloating()) { // keep NaN payloads out: a conversion could canonicalise them
            for (int i = dtype.bytes() - 1; i < b.length; i += dtype.bytes()) {
                b[i] = (byte) (b[i] & 0x3f);
            }
        }
        return Tensor.fromBytes(ByteBuffer.wrap(b), dtype, shape);
    }

    static Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        long seed = 1;
        for (DType d : DType.values()) {
            m.put("t." + d, random(d, seed++, 5, 7));
        }
        m.put("empty", Tensor.zeros(DType.BF16, 0, 3));
        m.put("scalar", random(DType.F64, 99));
        m.put("one", random(DType.I32, 100, 1));
        return m;
    }

    /** The file the pre-streaming writer produced, built here from the format's definition and toBytes(). */
    static byte[] expectedFile(Map<String, Tensor> tensors, Map<String, String> metadata) throws Exception {
        StringBuilder h = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            h.append("\"__metadata__\":{");
            List<String> kv = new ArrayList<>();
            metadata.forEach((k, v) -> kv.add("\"" + k + "\":\"" + v + "\""));
            h.append(String.join(",", kv)).append("},");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        List<String> entries = new ArrayList<>();
        for (var e : tensors.entrySet()) {
            byte[] b = e.getValue().toBytes();
            List<String> dims = new ArrayList<>();
            for (long s : e.getValue().shape()) {
                dims.add(Long.toString(s));
            }
            entries.add("\"" + e.getKey() + "\":{\"dtype\":\"" + SafeTensorsDTypes.name(e.getValue().dtype())
                    + "\",\"shape\":[" + String.join(",", dims) + "],\"data_offsets\":[" + data.size() + ","
                    + (data.size() + b.length) + "]}");
            data.write(b);
        }
        h.append(String.join(",", entries)).append("}");
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        data.writeTo(out);
        return out.toByteArray();
    }

    @Test
    void writerGivesTheSameBytesAsWholeTensorCopiesAndReadsThemBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.safetensors");
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> m = everyDtype();
            SafeTensorsWriter.write(f, m, Map.of("format", "pt"));
            assertArrayEquals(expectedFile(m, Map.of("format", "pt")), Files.readAllBytes(f));
            try (SafeTensorsFile r = SafeTensorsFile.open(f)) {
                for (var e : m.entrySet()) {
                    Tensor back = r.read(e.getKey());
                    assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
                    assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                    assertArrayEquals(e.getValue().toBytes(), back.toBytes(), e.getKey());
                }
            }
        }
    }

    @Test
    void writeBytesOfAViewIsItsRowMajorBytes() throws Exception {
        try (NativeScope s = NativeScope.open()) {
            Tensor t = random(DType.F32, 7, 4, 6).transpose(0, 1);
            assertFalse(t.isContiguous());
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            t.writeBytes(out);
            assertArrayEquals(t.toBytes(), out.toByteArray());
        }
    }

    @Test
    void readFromAFileThatEndsInsideTheTensorIsAnError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("short.bin");
        Files.write(f, new byte[10 * 4 - 1]);
        try (NativeScope s = NativeScope.open(); FileChannel ch = FileChannel.open(f)) {
            assertThrows(EOFException.class, () -> Tensor.readFrom(ch, 0, DType.F32, 10));
            assertThrows(EOFException.class, () -> Tensor.readFrom(ch, 4, DType.F32, 9));
            assertArrayEquals(new float[9], Tensor.readFrom(ch, 3, DType.F32, 9).toFloats());
        }
    }

    @Test
    void lazyEntriesAreMadeOnceInOrderAndCheckedAgainstTheirDeclaration(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("lazy.safetensors");
        List<String> made = new ArrayList<>();
        Map<String, Tensor> m = everyDtype();
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        List<Tensor> copies = new ArrayList<>();
        m.forEach((name, t) -> entries.add(new SafeTensorsWriter.Entry(name, t.dtype(), t.shape(), () -> {
            made.add(name);
            Tensor c = t.copy().persist();
            copies.add(c);
            return c;
        }, true)));
        SafeTensorsWriter.write(f, entries, Map.of());
        assertEquals(new ArrayList<>(m.keySet()), made);
        assertArrayEquals(expectedFile(m, Map.of()), Files.readAllBytes(f));
        assertTrue(copies.stream().allMatch(Tensor::isClosed), "closed after writing");

        Path g = dir.resolve("bad.safetensors");
        List<SafeTensorsWriter.Entry> wrong = List.of(
                SafeTensorsWriter.Entry.of("a", m.get("t.F32")),
                new SafeTensorsWriter.Entry("b", DType.F32, new long[] {5, 7}, () -> m.get("t.BF16"), false));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SafeTensorsWriter.write(g, wrong, Map.of()));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        assertFalse(Files.exists(g));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("lazy.safetensors"), files.map(p -> p.getFileName().toString()).toList(),
                    "no temporary file left behind");
        }
    }
}
