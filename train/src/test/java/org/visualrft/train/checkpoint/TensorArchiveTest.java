package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.visualrft.model.safetensors.ExpectedSafeTensors.randomBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.safetensors.ExpectedSafeTensors;
import org.visualrft.model.safetensors.SmallIoChunks;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Optimiser-state archives, streamed in chunks of 5 bytes (so elements straddle chunk boundaries): the same bytes as
 * a writer that copies whole tensors, the lazy form for state gathered one tensor at a time, partial reads, and
 * (with {@code -Dvrft.test.large=true}) one tensor over 2 GiB.
 */
class TensorArchiveTest {
    @RegisterExtension
    final SmallIoChunks chunks = new SmallIoChunks(5);

    /** Every dtype the archive holds, an empty tensor and a scalar, in a fixed order. */
    private static Map<String, Tensor> state() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        long seed = 10;
        for (DType d : DType.values()) {
            m.put("exp_avg." + d, randomBits(d, seed++, 3, 11));
        }
        m.put("empty", Tensor.zeros(DType.F32, 4, 0));
        m.put("step", Tensor.fromLongs(new long[] {42}, 1));
        m.put("scalar", randomBits(DType.F64, 3));
        return m;
    }

    @Test
    void writesTheSameBytesAsBeforeAndReadsThemBackBitExact(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("optimizer.safetensors");
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> m = state();
            TensorArchive.write(f, m);
            assertArrayEquals(ExpectedSafeTensors.file(m, null), Files.readAllBytes(f));
            Map<String, Tensor> back = TensorArchive.read(f);
            assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(back.keySet()));
            ExpectedSafeTensors.assertReadBack(m, back::get);
        }
    }

    @Test
    void lazyEntriesAreMadeOnceEachInOrderAndClosedWhenAsked(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("gathered.safetensors");
        Map<String, Tensor> m = state();
        List<String> calls = new ArrayList<>();
        Map<String, Tensor> made = new LinkedHashMap<>();
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        boolean close = false;
        for (var e : m.entrySet()) {
            close = !close; // every other one stays open
            entries.add(new SafeTensorsWriter.Entry(e.getKey(), e.getValue().dtype(), e.getValue().shape(), () -> {
                calls.add(e.getKey());
                Tensor t = e.getValue().copy().persist();
                made.put(e.getKey(), t);
                return t;
            }, close));
        }
        TensorArchive.write(f, entries);
        assertEquals(new ArrayList<>(m.keySet()), calls, "each supplier once, in order, the empty one included");
        for (SafeTensorsWriter.Entry e : entries) {
            assertEquals(e.closeAfterWrite(), made.get(e.name()).isClosed(), e.name());
        }
        assertArrayEquals(ExpectedSafeTensors.file(m, null), Files.readAllBytes(f));
    }

    @Test
    void aValueThatIsNotItsDeclarationIsRefusedAndNoFileIsLeft(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Tensor a = randomBits(DType.F32, 1, 2, 3);
        for (SafeTensorsWriter.Entry wrong : List.of(
                new SafeTensorsWriter.Entry("a", DType.BF16, new long[] {2, 3}, () -> a, false),
                new SafeTensorsWriter.Entry("a", DType.F32, new long[] {3, 2}, () -> a, false))) {
            List<String> later = new ArrayList<>();
            List<SafeTensorsWriter.Entry> entries = List.of(wrong,
                    new SafeTensorsWriter.Entry("b", DType.F32, new long[] {1}, () -> {
                        later.add("b");
                        return Tensor.zeros(DType.F32, 1);
                    }, true));
            assertThrows(IllegalStateException.class, () -> TensorArchive.write(f, entries));
            assertTrue(later.isEmpty(), "nothing made after the fault");
            try (var files = Files.list(dir)) {
                assertEquals(0, files.count(), "no file and no temporary left");
            }
        }
    }

    @Test
    void readsOnlyTheWantedTensorsOneAtATimeOrTogetherAndShapesFromTheHeader(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("o.safetensors");
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> m = state();
            TensorArchive.write(f, m);
            Map<String, Tensor> some = TensorArchive.read(f, n -> n.endsWith(".BF16") || n.equals("step"));
            assertEquals(List.of("exp_avg.BF16", "step"), new ArrayList<>(some.keySet()));
            assertArrayEquals(m.get("exp_avg.BF16").toBytes(), some.get("exp_avg.BF16").toBytes());
            assertArrayEquals(new long[] {42}, some.get("step").toLongs());

            List<String> seen = new ArrayList<>();
            List<Tensor> handed = new ArrayList<>();
            TensorArchive.forEach(f, n -> !n.startsWith("exp_avg.I"), (n, t) -> {
                seen.add(n);
                handed.add(t);
                assertArrayEquals(m.get(n).toBytes(), t.toBytes(), n);
            });
            List<String> want = new ArrayList<>(m.keySet());
            want.removeIf(n -> n.startsWith("exp_avg.I"));
            assertEquals(want, seen, "the wanted ones, in file order");
            assertTrue(handed.stream().allMatch(Tensor::isClosed), "each freed after its use");

            Map<String, long[]> shapes = TensorArchive.shapes(f);
            assertEquals(new ArrayList<>(m.keySet()), new ArrayList<>(shapes.keySet()));
            m.forEach((n, t) -> assertArrayEquals(t.shape(), shapes.get(n), n));

            // a fault in an unwanted entry's header is still found
            byte[] bytes = Files.readAllBytes(f);
            String text = new String(bytes, StandardCharsets.ISO_8859_1).replace("\"dtype\":\"I32\"", "\"dtype\":\"Q32\"");
            Files.write(f, text.getBytes(StandardCharsets.ISO_8859_1));
            BadInputException e = assertThrows(BadInputException.class, () -> TensorArchive.read(f, n -> false));
            assertEquals("tensor 'exp_avg.I32': unsupported dtype Q32", e.fault());
            assertEquals(f.toString(), e.source());
        }
    }

    private static String refusal(Path f) {
        BadInputException e = assertThrows(BadInputException.class, () -> TensorArchive.read(f));
        assertEquals(f.toString(), e.source());
        return e.fault();
    }

    private static Path file(Path dir, String name, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return Files.write(dir.resolve(name), b.array());
    }

    @Test
    void corruptFilesAreRefusedNamingTheFileAndTheFault(@TempDir Path dir) throws Exception {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        try (NativeScope s = NativeScope.open()) {
            assertArrayEquals(new float[2], TensorArchive.read(file(dir, "ok", ok, 8)).get("a").toFloats());
        }
        assertEquals("truncated safetensors file: 2 bytes, no header length",
                refusal(Files.write(dir.resolve("tiny"), new byte[] {1, 2})));
        assertEquals("truncated safetensors file: header of " + ok.length() + " bytes but only " + (ok.length() - 1)
                + " bytes follow", refusal(cut(dir, ok)));
        Path huge = Files.write(dir.resolve("huge"),
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).array());
        assertEquals("safetensors header length " + (1L << 62) + " is outside 2.." + SafeTensorsFile.MAX_HEADER_BYTES
                + " bytes", refusal(huge));
        assertEquals("tensor 'a': data_offsets [0, 8] outside the data section of 4 bytes",
                refusal(file(dir, "out", ok, 4)));
        assertEquals("tensor 'a': data_offsets [-8, 0] outside the data section of 8 bytes", refusal(file(dir, "neg",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8)));
        assertEquals("tensor 'a': unsupported dtype Q7", refusal(file(dir, "q7",
                "{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8)));
        assertTrue(refusal(file(dir, "len", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8))
                .contains("needs 12"));
        assertTrue(refusal(file(dir, "noshape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8))
                .contains("tensor 'a'"));
        assertTrue(refusal(file(dir, "json", "{\"a\": ", 0)).contains("not valid JSON"));
    }

    /** A file whose header length says more bytes than follow. */
    private static Path cut(Path dir, String header) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length - 1).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h, 0, h.length - 1);
        return Files.write(dir.resolve("cut"), b.array());
    }

    /**
     * One uint8 tensor of 2^31 + 1024 bytes or more (no int index reaches its end) written and read back by the
     * archive and by SafeTensorsFile. Needs about 5 GB of memory and 2 GB of disk: runs with -Dvrft.test.large=true.
     */
    @Test
    void aTensorOver2GiBIsWrittenAndReadBack(@TempDir Path dir) throws Exception {
        boolean large = Boolean.getBoolean("vrft.test.large");
        if (!large) {
            System.out.println("TensorArchiveTest: skipping the 2 GiB tensor (about 5 GB of memory and 2 GB of disk);"
                    + " run with -Dvrft.test.large=true");
        }
        Assumptions.assumeTrue(large, "needs -Dvrft.test.large=true (about 5 GB of memory and 2 GB of disk)");
        Tensor.ioChunkBytes(chunks.realBytes()); // the real chunk size
        // a period of 251 (prime) bytes: a chunk written to or read from the wrong place shows in the values
        int period = 251;
        long reps = ((1L << 31) + 1024) / period + 1;
        long n = reps * period;
        byte[] block = new byte[period];
        new SplittableRandom(5).nextBytes(block);
        Path f = dir.resolve("big.safetensors");
        long t0 = System.nanoTime();
        try (NativeScope s = NativeScope.open()) {
            Tensor big = Tensor.fromBytes(ByteBuffer.wrap(block), DType.U8, period).repeat(reps);
            TensorArchive.write(f, Map.of("big", big, "after", Tensor.fromLongs(new long[] {7, 8})));
            big.close();
        }
        long t1 = System.nanoTime();
        assertEquals(8 + headerLength(f) + n + 16, Files.size(f));
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> back = TensorArchive.read(f);
            checkPattern(back.get("big"), block, n);
            assertArrayEquals(new long[] {7, 8}, back.get("after").toLongs());
            back.get("big").close();
        }
        long t2 = System.nanoTime();
        try (NativeScope s = NativeScope.open(); SafeTensorsFile r = SafeTensorsFile.open(f)) {
            checkPattern(r.read("big"), block, n);
        }
        long t3 = System.nanoTime();
        System.out.printf("TensorArchiveTest: %d-byte tensor: write %.1f s, TensorArchive.read %.1f s,"
                + " SafeTensorsFile.read %.1f s%n", n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9);
        Files.delete(f);
    }

    private static long headerLength(Path f) throws Exception {
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            return b.flip().getLong();
        }
    }

    private static void checkPattern(Tensor t, byte[] block, long n) {
        assertEquals(DType.U8, t.dtype());
        assertArrayEquals(new long[] {n}, t.shape());
        long boundary = 1L << 31;
        for (long start : new long[] {0, boundary - 4096, n - 4096}) {
            byte[] got = t.narrow(0, start, 8192 > n - start ? n - start : 8192).toBytes();
            for (int i = 0; i < got.length; i++) {
                assertEquals(block[(int) ((start + i) % block.length)], got[i], "byte " + (start + i));
            }
        }
        // every 4093rd byte (coprime with the period and the chunk size): each chunk is sampled
        byte[] sampled = t.slice(0, 0, n, 4093).toBytes();
        for (int i = 0; i < sampled.length; i++) {
            assertEquals(block[(int) ((long) i * 4093 % block.length)], sampled[i], "byte " + (long) i * 4093);
        }
    }
}
