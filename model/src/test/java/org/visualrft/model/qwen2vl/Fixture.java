package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The qwen2vl-tiny oracle: expected.json and a minimal reader of expected.safetensors (test side only). */
final class Fixture {
    static final Path DIR = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");

    record Array(String dtype, long[] shape, ByteBuffer data) {
        float[] floats() {
            float[] f = new float[data.remaining() / 4];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        }

        long[] longs() {
            long[] l = new long[data.remaining() / 8];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(l);
            return l;
        }

        byte[] bytes() {
            byte[] b = new byte[data.remaining()];
            data.duplicate().get(b);
            return b;
        }
    }

    private static Map<String, Array> arrays;
    private static Json json;

    static synchronized Json json() {
        if (json == null) {
            json = Json.read(DIR.resolve("expected.json"));
        }
        return json;
    }

    /** Every case listed in expected.json (a larger copy of the fixture is tested in full). */
    @SuppressWarnings("unchecked")
    static Stream<String> cases() {
        return ((Map<String, Object>) json().raw().get("cases")).keySet().stream();
    }

    /** The cases with recorded vision-tower intermediates (those with images). */
    @SuppressWarnings("unchecked")
    static Stream<String> visionCases() {
        Map<String, Object> keys = (Map<String, Object>) json().raw().get("expected_safetensors_keys");
        return cases().filter(c -> keys.containsKey(c + ".vision.patch_embed"));
    }

    /** Every image described in expected.json. */
    @SuppressWarnings("unchecked")
    static Stream<String> images() {
        return ((Map<String, Object>) json().raw().get("images")).keySet().stream();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> caseOf(String name) {
        return (Map<String, Object>) ((Map<String, Object>) json().raw().get("cases")).get(name);
    }

    static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    static synchronized Array array(String key) {
        if (arrays == null) {
            arrays = read(DIR.resolve("expected.safetensors"));
        }
        Array a = arrays.get(key);
        assertTrue(a != null, "fixture has no " + key);
        return a;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Array> read(Path file) {
        try {
            byte[] all = Files.readAllBytes(file);
            ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
            int n = (int) b.getLong(0);
            Path tmp = Files.createTempFile("hdr", ".json");
            Files.write(tmp, new String(all, 8, n, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
            Map<String, Object> header = Json.read(tmp).raw();
            Files.delete(tmp);
            Map<String, Array> out = new HashMap<>();
            for (var e : header.entrySet()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                Map<String, Object> m = (Map<String, Object>) e.getValue();
                List<Object> off = (List<Object>) m.get("data_offsets");
                int s = 8 + n + ((Number) off.get(0)).intValue();
                int t = 8 + n + ((Number) off.get(1)).intValue();
                long[] shape = ((List<Object>) m.get("shape")).stream().mapToLong(o -> ((Number) o).longValue()).toArray();
                out.put(e.getKey(), new Array((String) m.get("dtype"), shape, ByteBuffer.wrap(all, s, t - s).slice()));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** max|a−b| / max|b|. */
    static double relError(float[] got, float[] want) {
        double d = 0;
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[i] - want[i]));
            m = Math.max(m, Math.abs(want[i]));
        }
        return d / m;
    }

    static double maxAbs(float[] got, float[] want) {
        double d = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[i] - want[i]));
        }
        return d;
    }
}
