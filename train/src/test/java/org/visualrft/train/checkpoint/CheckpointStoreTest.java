package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.optim.AdamW;

class CheckpointStoreTest {
    @Test
    void onlyCompleteCheckpointsCountAndOldOnesArePruned(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("run"), 2);
        try (TinyVlm m = TinyTask.model(dir, 1);
                AdamW opt = new AdamW(m.trainableParameters().stream().map(Parameter::value).toList(), 0.9, 0.999,
                        1e-8, 0)) {
            for (int step : new int[] {2, 4, 6}) {
                store.save(m, opt, new TrainerState(step, 0, step, 9, 0, 10), Map.of("kind", "test"));
            }
        }
        // a kill in the middle of writing checkpoint 8 leaves only its temporary folder
        Files.createDirectories(dir.resolve("run/.checkpoint-8.tmp/model"));
        // a folder without trainer_state.json is not a checkpoint either
        Files.createDirectories(dir.resolve("run/checkpoint-9"));
        List<Path> all = store.list();
        assertEquals(List.of("checkpoint-4", "checkpoint-6"), all.stream().map(p -> p.getFileName().toString()).toList());
        assertEquals("checkpoint-6", store.latest().orElseThrow().getFileName().toString());
        TrainerState st = CheckpointStore.readState(store.latest().orElseThrow());
        assertEquals(new TrainerState(6, 0, 6, 9, 0, 10), st);
        assertTrue(Files.isRegularFile(dir.resolve("run/checkpoint-6/model/model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("run/checkpoint-6/optimizer.safetensors")));
        assertEquals(6, new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve("run/checkpoint-6/provenance.json").toFile()).get("checkpoint_step").asInt());
        assertFalse(Files.exists(dir.resolve("run/checkpoint-2")), "pruned to the last 2");
    }

    @Test
    void tensorArchiveIsBitExact(@TempDir Path dir) throws Exception {
        Tensor a = Tensor.fromDoubles(new double[] {Math.PI, -0.0, Double.MIN_VALUE}, 3);
        Tensor b = Tensor.fromFloats(new float[] {1.5f, Float.MAX_VALUE, 1e-30f, 7f}, 2, 2);
        TensorArchive.write(dir.resolve("t.safetensors"), Map.of("a", a, "b", b));
        Map<String, Tensor> back = TensorArchive.read(dir.resolve("t.safetensors"));
        assertEquals(java.util.Arrays.toString(a.toDoubles()), java.util.Arrays.toString(back.get("a").toDoubles()));
        assertTrue(java.util.Arrays.equals(b.toFloats(), back.get("b").toFloats()));
        assertEquals(List.of(2L, 2L), java.util.Arrays.stream(back.get("b").shape()).boxed().toList());
    }
}
