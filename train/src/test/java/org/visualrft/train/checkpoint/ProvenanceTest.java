package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provenance names the inputs by content: a changed byte changes the recorded hash. */
class ProvenanceTest {
    @TempDir
    Path dir;

    @SuppressWarnings("unchecked")
    private Map<String, Object> inputs(Path model, Path data) {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", model.toString());
        config.put("dataset", data.toString());
        return (Map<String, Object>) Provenance.describe("sft", config, 1, null, null).get("inputs");
    }

    @Test
    @SuppressWarnings("unchecked")
    void modelAndDatasetAreRecordedBySha256() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Files.writeString(model.resolve("model.safetensors"), "weights-1");
        Path data = dir.resolve("train.jsonl");
        Files.writeString(data, "abc");
        Map<String, Object> in = inputs(model, data);
        Map<String, String> modelFiles = (Map<String, String>) ((Map<String, Object>) in.get("model"))
                .get("files_sha256");
        // sha256("{}") and sha256("abc"), as sha256sum prints them
        assertEquals("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", modelFiles.get("config.json"));
        Map<String, String> dataFiles = (Map<String, String>) ((Map<String, Object>) in.get("dataset"))
                .get("files_sha256");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", dataFiles.get(data.toString()));
        String before = modelFiles.get("model.safetensors");
        Files.writeString(model.resolve("model.safetensors"), "weights-2");
        Files.setLastModifiedTime(model.resolve("model.safetensors"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Map<String, String> after = (Map<String, String>) ((Map<String, Object>) inputs(model, data).get("model"))
                .get("files_sha256");
        assertNotEquals(before, after.get("model.safetensors"));
    }
}
