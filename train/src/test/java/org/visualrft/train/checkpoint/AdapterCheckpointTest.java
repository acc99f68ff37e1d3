package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

/** The base-model check of a LoRA resume, on hand-made checkpoints (the full resume is LoraResumeCliTest's). */
class AdapterCheckpointTest {
    private static Path base(Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("base"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"qwen2_vl\"}");
        Files.writeString(model.resolve("model.safetensors"), "weights");
        return model;
    }

    /** A checkpoint-3 of a LoRA run over {@code model} as it is now, with {@code inputs} as its provenance's. */
    private static Path checkpoint(Path dir, String inputs) throws Exception {
        Path ckpt = Files.createDirectories(dir.resolve("run/checkpoint-3"));
        Files.writeString(ckpt.resolve("trainer_state.json"), "{}");
        Files.writeString(ckpt.resolve("adapter_model.safetensors"), "");
        Files.writeString(ckpt.resolve("provenance.json"), "{\"inputs\": " + inputs + "}");
        return ckpt;
    }

    private static String hashesOf(Path model) {
        return "{\"model\": {\"files_sha256\": {\"config.json\": \"" + ContentHashes.sha256(model.resolve("config.json"))
                + "\", \"model.safetensors\": \"" + ContentHashes.sha256(model.resolve("model.safetensors")) + "\"}}}";
    }

    @Test
    void theSameBasePassesAndEveryDifferenceIsNamed(@TempDir Path dir) throws Exception {
        Path model = base(dir);
        checkpoint(dir, hashesOf(model));
        Path run = dir.resolve("run");
        assertDoesNotThrow(() -> AdapterCheckpoint.requireSameBase(run, true, model.toString()));

        Files.writeString(model.resolve("notes.txt"), "x");
        Files.delete(model.resolve("config.json"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> AdapterCheckpoint.requireSameBase(run, true, model.toString()));
        assertEquals(model + ": base model folder differs from the one checkpoint-3 was trained on: config.json is"
                + " missing; notes.txt is new; checkpoint-3 holds LoRA adapters trained over this base, and --resume"
                + " rebuilds the model from it and the adapters", e.getMessage());
        // without --resume, or for a checkpoint without adapters (full fine-tuning), nothing is checked
        assertDoesNotThrow(() -> AdapterCheckpoint.requireSameBase(run, false, model.toString()));
        Files.delete(run.resolve("checkpoint-3/adapter_model.safetensors"));
        assertDoesNotThrow(() -> AdapterCheckpoint.requireSameBase(run, true, model.toString()));
        // full fine-tuning whose KL reference is the base (GRPO, beta > 0): the base is checked too
        BadInputException ref = assertThrows(BadInputException.class,
                () -> AdapterCheckpoint.requireSameBase(run, true, model.toString(), true));
        assertEquals(model + ": base model folder differs from the one checkpoint-3 was trained on: config.json is"
                + " missing; notes.txt is new; the run's frozen reference model (beta > 0) is this base, so a resumed"
                + " run with another one would compute another KL term", ref.getMessage());
    }

    @Test
    void aFullFineTuningCheckpointWithoutHashesStillResumes(@TempDir Path dir) throws Exception {
        Path model = base(dir);
        Path ckpt = checkpoint(dir, "{\"model\": {\"sha256\": \"unavailable (not a folder)\"}}");
        Files.delete(ckpt.resolve("adapter_model.safetensors"));
        assertDoesNotThrow(() -> AdapterCheckpoint.requireSameBase(dir.resolve("run"), true, model.toString(), true));
    }

    @Test
    void aCheckpointWithoutHashesCannotVouchForItsBase(@TempDir Path dir) throws Exception {
        Path model = base(dir);
        Path ckpt = checkpoint(dir, "{\"model\": {\"sha256\": \"unavailable (not a folder)\"}}");
        BadInputException e = assertThrows(BadInputException.class,
                () -> AdapterCheckpoint.requireSameBase(dir.resolve("run"), true, model.toString()));
        assertEquals(ckpt.resolve("provenance.json") + ": records no SHA-256 of the base model's files"
                + " (inputs.model.files_sha256), so the base under its adapters cannot be checked", e.getMessage());
    }
}
