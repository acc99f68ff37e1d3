package org.visualrft.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.visualrft.model.safetensors.ExpectedSafeTensors.randomBits;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Tensors are streamed between native memory and files in chunks. A chunk of 3 bytes makes every multi-byte element
 * straddle chunk boundaries; the files must be byte for byte what a writer that copies whole tensors produces.
 */
class StreamedTensorIoTest {
    @RegisterExtension
    final SmallIoChunks chunks = new SmallIoChunks(3);

    static Map<String, Tensor> everyDtype() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        long seed = 1;
        for (DType d : DType.values()) {
            m.put("t." + d, randomBits(d, seed++, 5, 7));
        }
        m.put("empty", Tensor.zeros(DType.BF16, 0, 3));
        m.put("scalar", randomBits(DType.F64, 99));
        m.put("one", randomBits(DType.I32, 100, 1));
        return m;
    }

    @Test
    void writerGivesTheSameBytesAsWholeTensorCopiesAndReadsThemBack(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.safetensors");
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> m = everyDtype();
            SafeTensorsWriter.write(f, m, Map.of("format", "pt"));
            assertArrayEquals(ExpectedSafeTensors.file(m, Map.of("format", "pt")), Files.readAllBytes(f));
            try (SafeTensorsFile r = SafeTensorsFile.open(f)) {
                ExpectedSafeTensors.assertReadBack(m, r::read);
            }
        }
    }

    @Test
    void writeBytesOfAViewIsItsRowMajorBytes() throws Exception {
        try (NativeScope s = NativeScope.open()) {
            Tensor t = randomBits(DType.F32, 7, 4, 6).transpose(0, 1);
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
        assertArrayEquals(ExpectedSafeTensors.file(m, Map.of()), Files.readAllBytes(f));
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
