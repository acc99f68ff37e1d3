package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Policy;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.train.optim.AdamW;

/**
 * Checkpoints under a run's output folder, one folder per step: {@code checkpoint-<step>/} holding {@code model/}
 * (the policy's own folder: config.json, model.safetensors, tokenizer; a LoRA run's adapters merged in),
 * {@code optimizer.safetensors}, {@code trainer_state.json} (step, data order, counters, the schedule's horizon, the
 * best checkpoint so far; random streams derive from seed and step), {@code provenance.json} and, for a LoRA run, the exact adapters in PEFT's
 * layout ({@code adapter_model.safetensors}, {@code adapter_config.json}: see {@link AdapterCheckpoint}).
 *
 * <p>Atomic: everything is written into {@code .checkpoint-<step>.tmp/} and the folder is renamed last, so a
 * {@code checkpoint-<step>} folder is always complete; a kill mid-write leaves only a temporary folder, removed on
 * the next save.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{1,9})"); // 9 digits: always an int
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path runDir;
    private final int keepLast;

    /** @param keepLast how many checkpoints to keep (0: all) */
    public CheckpointStore(Path runDir, int keepLast) {
        this.runDir = runDir;
        this.keepLast = keepLast;
    }

    public Path runDir() {
        return runDir;
    }

    /** Writes checkpoint {@code state.step()} of a run without adapters atomically and prunes old ones. */
    public Path save(Policy policy, AdamW optimizer, TrainerState state, Map<String, Object> provenance)
            throws IOException {
        return save(policy, optimizer, state, provenance, null, null);
    }

    /**
     * Writes checkpoint {@code state.step()} atomically and prunes old ones; returns its folder. With {@code lora}
     * (non-null) the adapters are also kept apart ({@link AdapterCheckpoint}), naming {@code baseModel} as their base.
     */
    public Path save(Policy policy, AdamW optimizer, TrainerState state, Map<String, Object> provenance,
            LoraConfig lora, Path baseModel) throws IOException {
        return save(policy, optimizer::save, state, provenance, lora, baseModel);
    }

    /** Writes the optimiser's state to a file (for a sharded optimiser, a collective every rank joins). */
    @FunctionalInterface
    public interface StateWriter {
        void write(Path file) throws IOException;
    }

    /**
     * As {@link #save(Policy, AdamW, TrainerState, Map, LoraConfig, Path)}, the optimiser state written by
     * {@code optimizerState} first: under ZeRO stage 1 the other ranks take part in that, and go on with training as
     * soon as it is done rather than wait for the model's files. {@code optimizerState} null: a model-only checkpoint
     * ({@code save_only_model}; {@code state.modelOnly()} says so).
     */
    public Path save(Policy policy, StateWriter optimizerState, TrainerState state, Map<String, Object> provenance,
            LoraConfig lora, Path baseModel) throws IOException {
        Files.createDirectories(runDir);
        Path done = runDir.resolve("checkpoint-" + state.step());
        Path tmp = runDir.resolve(".checkpoint-" + state.step() + ".tmp");
        AtomicFile.deleteTree(tmp);
        Files.createDirectories(tmp);
        if (optimizerState != null) {
            optimizerState.write(tmp.resolve("optimizer.safetensors"));
        }
        policy.save(tmp.resolve("model"));
        if (lora != null) {
            AdapterCheckpoint.save(tmp, policy, lora, baseModel);
        }
        Provenance.write(tmp, provenance, Map.of("checkpoint_step", state.step()));
        AtomicFile.writeString(tmp.resolve("trainer_state.json"),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.valueToTree(state)) + "\n");
        AtomicFile.deleteTree(done); // a re-run of the same step after a resume replaces it
        AtomicFile.move(tmp, done);
        prune(state.best());
        return done;
    }

    /** The newest complete checkpoint folder, if any. */
    public Optional<Path> latest() throws IOException {
        return list().stream().max(Comparator.comparingInt(CheckpointStore::stepOf));
    }

    public List<Path> list() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(runDir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(runDir)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()
                        && Files.isRegularFile(p.resolve("trainer_state.json"))) {
                    out.add(p);
                }
            }
        }
        out.sort(Comparator.comparingInt(CheckpointStore::stepOf));
        return out;
    }

    static int stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    public static TrainerState readState(Path checkpoint) {
        Path f = checkpoint.resolve("trainer_state.json");
        try {
            JsonNode n = JSON.readTree(f.toFile());
            return JSON.treeToValue(n, TrainerState.class);
        } catch (IOException e) {
            throw new BadInputException(f, "cannot read trainer state: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
    }

    public static Path modelDir(Path checkpoint) {
        return checkpoint.resolve("model");
    }

    public static Path optimizerFile(Path checkpoint) {
        return checkpoint.resolve("optimizer.safetensors");
    }

    /** Keeps the last {@code keepLast} checkpoints, and {@code best}'s whatever its age (Hugging Face keeps it too). */
    private void prune(BestCheckpoint best) throws IOException {
        if (keepLast <= 0) {
            return;
        }
        List<Path> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            if (best == null || !all.get(i).getFileName().toString().equals(best.checkpoint())) {
                AtomicFile.deleteTree(all.get(i));
            }
        }
    }

}
