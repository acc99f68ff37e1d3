package org.visualrft.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

class SafeTensorsTest {
    static Path fixtures() {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures"));
    }

    @Test
    void roundTripKeepsDtypesShapesAndValues(@TempDir Path dir) {
        Path f = dir.resolve("model.safetensors");
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> m = new LinkedHashMap<>();
            m.put("a", Tensor.fromFloats(new float[] {1.5f, -2, 3, 4, 5, 6}, 2, 3));
            m.put("b", Tensor.fromFloats(new float[] {0.1f, 1e30f, -7}).to(DType.BF16));
            m.put("c", Tensor.fromLongs(new long[] {Long.MAX_VALUE, -1}));
            m.put("d", Tensor.fromDoubles(new double[] {Math.PI}, 1, 1));
            m.put("empty", Tensor.zeros(DType.F32, 0, 4));
            SafeTensorsWriter.write(f, m, Map.of("format", "pt"));
            try (SafeTensorsFile r = SafeTensorsFile.open(f)) {
                assertEquals(Map.of("format", "pt"), r.metadata());
                assertEquals(m.keySet(), r.entries().keySet());
                for (var e : m.entrySet()) {
                    Tensor back = r.read(e.getKey());
                    assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
                    assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
                    assertArrayEquals(e.getValue().toDoubles(), back.toDoubles(), 0.0, e.getKey());
                }
            }
        }
    }

    @Test
    void readsTheQwen2VlFixture() {
        Path f = fixtures().resolve("qwen2vl-tiny/model.safetensors");
        try (NativeScope s = NativeScope.open(); SafeTensorsFile r = SafeTensorsFile.open(f)) {
            TensorEntry e = r.entries().get("model.embed_tokens.weight");
            assertArrayEquals(new long[] {320, 64}, e.shape());
            assertEquals(DType.F32, e.dtype());
            Tensor t = r.read("model.embed_tokens.weight");
            assertArrayEquals(new long[] {320, 64}, t.shape());
            // the first float of the data section, read independently of the mapping
            ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
            long headerLen = raw.getLong(0);
            float first = raw.getFloat((int) (8 + headerLen + e.begin()));
            assertEquals(first, t.toFloats()[0]);
        } catch (java.io.IOException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void shardedIndexResolvesEachTensorToItsShard(@TempDir Path dir) throws Exception {
        try (NativeScope s = NativeScope.open()) {
            SafeTensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"),
                    Map.of("x", Tensor.fromFloats(new float[] {1, 2})), Map.of());
            SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"),
                    Map.of("y", Tensor.fromFloats(new float[] {3})), Map.of());
            Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}, \"weight_map\": {"
                    + "\"x\": \"model-00001-of-00002.safetensors\", \"y\": \"model-00002-of-00002.safetensors\"}}");
            try (Weights w = Weights.open(dir)) {
                assertArrayEquals(new float[] {1, 2}, w.read("x").toFloats());
                assertArrayEquals(new float[] {3}, w.read("y").toFloats());
            }
            Files.writeString(dir.resolve("model.safetensors.index.json"),
                    "{\"weight_map\": {\"z\": \"model-00001-of-00002.safetensors\"}}");
            assertThrows(BadInputException.class, () -> Weights.open(dir));
        }
    }

    /**
     * A folder with both a model.safetensors and an index reads model.safetensors, as transformers does (a model saved
     * over an older sharded one read the stale shards); index faults name the index or the missing shard.
     */
    @Test
    void aSingleFileWinsOverAnIndexAndIndexFaultsNameTheirFile(@TempDir Path dir) throws Exception {
        try (NativeScope s = NativeScope.open()) {
            SafeTensorsWriter.write(dir.resolve("model-00001-of-00001.safetensors"),
                    Map.of("x", Tensor.fromFloats(new float[] {1, 2})), Map.of());
            Path index = dir.resolve("model.safetensors.index.json");
            Files.writeString(index, "{\"weight_map\": {\"x\": \"model-00001-of-00001.safetensors\"}}");
            SafeTensorsWriter.write(dir.resolve("model.safetensors"), Map.of("x", Tensor.fromFloats(new float[] {5, 6})), Map.of());
            try (Weights w = Weights.open(dir)) {
                assertArrayEquals(new float[] {5, 6}, w.read("x").toFloats());
            }
            Files.delete(dir.resolve("model.safetensors"));
            Files.writeString(index, "{\"weight_map\": {\"x\": \"model-00001-of-00001.safetensors\", \"y\": 5}}");
            BadInputException e = assertThrows(BadInputException.class, () -> Weights.open(dir));
            assertEquals(index.toString(), e.source());
            assertTrue(e.fault().contains("weight_map entry of 'y' is 5"), e.fault());
            // a tensor in two shards, or in a shard but not in the index
            SafeTensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"),
                    Map.of("x", Tensor.fromFloats(new float[] {7, 8}), "y", Tensor.fromFloats(new float[] {9})), Map.of());
            Files.writeString(index, "{\"weight_map\": {\"x\": \"model-00001-of-00001.safetensors\","
                    + " \"y\": \"model-00002-of-00002.safetensors\"}}");
            e = assertThrows(BadInputException.class, () -> Weights.open(dir));
            assertEquals(dir.resolve("model-00002-of-00002.safetensors").toString(), e.source());
            assertEquals("holds tensor 'x', which model.safetensors.index.json lists in model-00001-of-00001.safetensors",
                    e.fault());
            Files.writeString(index, "{\"weight_map\": {\"y\": \"model-00002-of-00002.safetensors\"}}");
            e = assertThrows(BadInputException.class, () -> Weights.open(dir));
            assertEquals("holds tensor 'x', which model.safetensors.index.json does not list", e.fault());
            Files.writeString(index, "{\"weight_map\": {}}");
            e = assertThrows(BadInputException.class, () -> Weights.open(dir));
            assertEquals(index.toString(), e.source());
            assertEquals("\"weight_map\" lists no tensor", e.fault());
            Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
            Files.writeString(index, "{\"weight_map\": {\"x\": \"model-00002-of-00002.safetensors\"}}");
            e = assertThrows(BadInputException.class, () -> Weights.open(dir));
            assertEquals(dir.resolve("model-00002-of-00002.safetensors").toString(), e.source());
            assertTrue(e.fault().startsWith("missing: model.safetensors.index.json lists this shard"), e.fault());
        }
    }

    /** A file with the given header JSON and {@code dataBytes} zero bytes of data. */
    static Path file(Path dir, String header, int dataBytes) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        Path f = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    static String refusal(Path f) {
        BadInputException e = assertThrows(BadInputException.class, () -> SafeTensorsFile.open(f).close());
        assertEquals(f.toString(), e.source());
        return e.fault();
    }

    @Test
    void refusesMalformedFiles(@TempDir Path dir) throws Exception {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        SafeTensorsFile.open(file(dir, ok, 8)).close();

        assertTrue(refusal(file(dir, ok, 4)).contains("outside the data section"), "truncated data");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertTrue(refusal(tiny).contains("truncated"));
        Path cut = dir.resolve("cut.safetensors");
        byte[] full = Files.readAllBytes(file(dir, ok, 8));
        Files.write(cut, Arrays.copyOf(full, 20));
        assertTrue(refusal(cut).contains("truncated"), "header cut short");

        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 8))
                .contains("outside"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8))
                .contains("outside"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8))
                .contains("needs 12"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)).contains("overlap"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"Q7\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8))
                .contains("unsupported dtype"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8))
                .contains("non-negative"));
        assertTrue(refusal(file(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904, 4],"
                + "\"data_offsets\":[0,8]}}", 8)).contains("too large"));
        assertTrue(refusal(file(dir, "[1, 2]", 0)).contains("not a JSON object"));
        assertTrue(refusal(file(dir, "{\"a\": ", 0)).contains("not valid JSON"));

        // a header length of 2^62 (and one just above the file) is refused before anything is allocated or read
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).array());
        assertTrue(refusal(huge).contains("outside"));
        Path over = dir.resolve("over.safetensors");
        Files.write(over, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(9).array());
        assertTrue(refusal(over).contains("truncated"));
        Path negative = dir.resolve("neg.safetensors");
        Files.write(negative, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertTrue(refusal(negative).contains("outside"));
    }
}
