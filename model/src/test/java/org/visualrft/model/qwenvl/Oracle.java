package org.visualrft.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.Tensor;

/**
 * A transformers oracle folder ({@code qwen25vl-tiny}, {@code qwen3vl-tiny} under the {@code vrft.fixtures} folder):
 * the model, expected.json and expected.safetensors. Test side only.
 */
final class Oracle implements AutoCloseable {
    final Path dir;
    final JsonNode json;
    private final SafeTensorsFile expected;

    Oracle(String name) {
        this.dir = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
        try {
            this.json = new ObjectMapper().readTree(dir.resolve("expected.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.expected = SafeTensorsFile.open(dir.resolve("expected.safetensors"));
    }

    /** Every case expected.json lists, in its order. */
    List<String> cases() {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = json.get("cases").fieldNames(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }

    JsonNode caseOf(String name) {
        return json.get("cases").get(name);
    }

    static int[] ints(JsonNode list) {
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i).intValue();
        }
        return out;
    }

    List<String> images(String name) {
        List<String> out = new ArrayList<>();
        JsonNode imgs = caseOf(name).get("images");
        if (imgs != null) {
            imgs.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    List<int[]> grids(String name) {
        List<int[]> out = new ArrayList<>();
        for (String img : images(name)) {
            out.add(ints(json.get(img + ".image_grid_thw").get(0)));
        }
        return out;
    }

    boolean has(String key) {
        return expected.contains(key);
    }

    /** An expected tensor (in the caller's native scope). */
    Tensor tensor(String key) {
        if (!expected.contains(key)) {
            throw new AssertionError(dir + ": expected.safetensors has no " + key);
        }
        return expected.read(key);
    }

    float[] floats(String key) {
        return tensor(key).toFloats();
    }

    /** max|a−b| / max|b|. */
    static double relError(float[] got, float[] want) {
        if (got.length != want.length) {
            return Double.POSITIVE_INFINITY;
        }
        double d = 0;
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            d = Math.max(d, Math.abs(got[i] - want[i]));
            m = Math.max(m, Math.abs(want[i]));
        }
        return d / m;
    }

    @Override
    public void close() {
        expected.close();
    }
}
