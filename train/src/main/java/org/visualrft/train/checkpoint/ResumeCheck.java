package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;

/**
 * What {@code --resume} checks before a single step runs: that the latest checkpoint's {@code trainer_state.json} is
 * whole and agrees with its folder and the data, that the config still describes the same run (a changed setting is
 * refused unless the user allows it explicitly), and that the run has steps left. Nothing is written before.
 */
public final class ResumeCheck {
    /**
     * Settings that may differ on resume without changing what the run computes: where and how often it saves, logs,
     * reports and evaluates, its threads, its length (extending a run is the usual reason to resume), and activation
     * checkpointing (memory for compute; the gradients differ by float rounding only, as with threads), and ZeRO
     * stage 1 (where the optimiser state lives; the updates and the saved state are the same to the bit).
     */
    static final Set<String> FREE = Set.of("preset", "output_dir", "max_steps", "num_train_epochs", "save_steps",
            "save_total_limit", "logging_steps", "eval_steps", "eval_limit", "eval_dataset", "eval_on_start", "threads",
            "gradient_checkpointing", "zero_stage", "report_to", "logging_dir", "log_completions", "metric_for_best_model", "greater_is_better",
            "save_only_model");
    /**
     * Settings added after checkpoints were first written, each with the value that does what runs before it did: a
     * checkpoint whose record lacks one was made with that value. One whose default is null (unset: {@code min_p},
     * {@code lora_exclude_modules}, {@code system_prompt}) needs no entry: an absent key compares equal to null.
     */
    static final Map<String, Object> ADDED_LATER = Map.of("rollout_batch_groups", 1, "mask_truncated_completions", false,
            "importance_sampling_level", "token", "use_rslora", false, "sync_ref_model", false,
            "top_entropy_quantile", 1.0, "repetition_penalty", 1.0);
    /**
     * Settings added later whose value before depended on what the record does not hold: before
     * {@code freeze_vision_modules} existed the Qwen families kept their vision tower frozen and the built-in model
     * trained its encoder. A record without one is not compared on it; the optimiser state, whose layout is checked
     * against the parameters the run trains, refuses a run that trains other weights.
     */
    static final Set<String> UNRECORDED_BEFORE = Set.of("freeze_vision_modules");
    private static final String PER_DEVICE = "per_device_train_batch_size";
    private static final String[] STATE_FIELDS = {"step", "epoch", "position", "seed", "nanSkipped", "totalSteps"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private ResumeCheck() {
    }

    /** What the run is; compared with what the checkpoint records. {@code worldSize}: its number of ranks. */
    public record Run(String kind, Map<String, Object> config, long seed, int totalSteps, int dataSize, Path configFile,
            int worldSize) {
    }

    /**
     * Checks {@code outputDir} for {@code run}. Without {@code resume} a folder with checkpoints is refused. With it,
     * the latest checkpoint is validated; changed settings are refused unless {@code allowChanged}, in which case
     * they are listed on {@code console}.
     */
    public static void check(Path outputDir, boolean resume, boolean allowChanged, Run run, PrintStream console)
            throws IOException {
        Optional<Path> latest = new CheckpointStore(outputDir, 0).latest();
        if (latest.isEmpty()) {
            return;
        }
        Path ckpt = latest.get();
        if (!resume) {
            throw new BadInputException(outputDir.toString(), "output_dir already holds checkpoints ("
                    + ckpt.getFileName() + "); pass --resume to continue that run, or choose another output_dir");
        }
        if (read(ckpt.resolve("trainer_state.json")).path("modelOnly").asBoolean(false)) {
            throw new BadInputException(ckpt.toString(), "holds the model only (save_only_model: true), no optimiser"
                    + " state: a run cannot continue from it exactly; start a new run with model: "
                    + CheckpointStore.modelDir(ckpt) + ", or keep save_only_model: false to be able to resume");
        }
        for (Path part : new Path[] {CheckpointStore.modelDir(ckpt).resolve("config.json"),
            CheckpointStore.optimizerFile(ckpt)}) {
            if (!Files.isRegularFile(part)) {
                throw new BadInputException(part, "missing: the checkpoint is incomplete");
            }
        }
        JsonNode state = read(ckpt.resolve("trainer_state.json"));
        validateState(ckpt, state, run);
        JsonNode prov = read(ckpt.resolve("provenance.json"));
        String kind = prov.path("kind").asText("");
        if (!kind.equals(run.kind())) {
            throw new BadInputException(ckpt.resolve("provenance.json"), "was written by '" + kind + "' training;"
                    + " 'train " + run.kind() + "' cannot resume it");
        }
        JsonNode world = prov.get("world_size");
        List<String> changes = changes(prov.path("config"), world != null && world.canConvertToInt() ? world.asInt()
                : null, JSON.valueToTree(run.config()), run.worldSize());
        if (!changes.isEmpty()) {
            String list = String.join("; ", changes);
            if (!allowChanged) {
                throw new BadInputException(run.configFile(), "settings differ from the run in " + ckpt.getFileName()
                        + ": " + list + "; pass --allow-changed-settings to resume with them anyway, or use another"
                        + " output_dir");
            }
            console.println(run.kind() + ": resuming with changed settings (--allow-changed-settings): " + list);
        }
    }

    private static JsonNode read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "missing: the checkpoint is incomplete");
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new BadInputException(file, "is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + JsonErrors.describe(e), e);
        }
    }

    private static void validateState(Path ckpt, JsonNode n, Run run) {
        Path file = ckpt.resolve("trainer_state.json");
        for (String f : STATE_FIELDS) {
            JsonNode v = n.get(f);
            if (v == null || !v.isIntegralNumber() || (!f.equals("seed") && !v.canConvertToInt())) {
                throw new BadInputException(file, "\"" + f + "\" must be an integer");
            }
            if (!f.equals("seed") && v.asInt() < 0) {
                throw new BadInputException(file, "\"" + f + "\" must not be negative, got " + v.asInt());
            }
        }
        int step = n.get("step").asInt();
        JsonNode best = n.get("best");
        if (best != null && !best.isNull()) {
            JsonNode c = best.get("checkpoint");
            int bestStep = c != null && c.isTextual() ? CheckpointStore.stepOf(Path.of(c.asText())) : -1;
            if (!best.path("metric").isTextual() || !best.path("value").isNumber() || bestStep < 0 || bestStep > step) {
                throw new BadInputException(file, "\"best\" must name a metric, its value and a checkpoint-N folder"
                        + " at or before step " + step + ", got " + best);
            }
        }
        int folderStep = CheckpointStore.stepOf(ckpt);
        if (step != folderStep) {
            throw new BadInputException(file, "says step " + step + " but its folder is " + ckpt.getFileName());
        }
        if (n.get("seed").asLong() != run.seed()) {
            throw new BadInputException(file, "was written with seed " + n.get("seed").asLong() + ", the config says "
                    + run.seed());
        }
        int position = n.get("position").asInt();
        if (position > run.dataSize()) {
            throw new BadInputException(file, "data position " + position + " lies outside the dataset of "
                    + run.dataSize() + " records (was the dataset changed?)");
        }
        if (n.get("nanSkipped").asInt() > step) {
            throw new BadInputException(file, "counts " + n.get("nanSkipped").asInt() + " skipped steps in " + step);
        }
        if (n.get("totalSteps").asInt() < step) {
            throw new BadInputException(file, "plans " + n.get("totalSteps").asInt() + " steps but is at step " + step);
        }
        if (run.totalSteps() < step) {
            throw new BadInputException(run.configFile(), "the run is " + run.totalSteps() + " steps long (max_steps"
                    + " or num_train_epochs) but " + ckpt.getFileName() + " is already at step " + step
                    + "; nothing to train: raise max_steps, or use another output_dir");
        }
    }

    /**
     * As {@link #changes(JsonNode, JsonNode)}, for a run on {@code worldNow} ranks resuming a checkpoint written on
     * {@code worldBefore} (null: a checkpoint from before the world size was recorded). What a step computes depends
     * on the global micro-batch, per_device_train_batch_size × world size, not on either alone: a run resumed on
     * other ranks with the same global micro-batch is the same run, and one with the same per-device batch is not.
     */
    static List<String> changes(JsonNode before, Integer worldBefore, JsonNode now, int worldNow) {
        if (worldBefore == null || worldBefore == worldNow) {
            return changes(before, now);
        }
        List<String> out = changes(before, now, Set.of(PER_DEVICE));
        JsonNode a = before.path(PER_DEVICE);
        JsonNode b = now.path(PER_DEVICE);
        if (a.canConvertToInt() && b.canConvertToInt()
                && (long) a.asInt() * worldBefore != (long) b.asInt() * worldNow) {
            out.add(PER_DEVICE + " × world size (the global micro-batch) " + a.asInt() + " × " + worldBefore + " -> "
                    + b.asInt() + " × " + worldNow);
        } else if (!a.canConvertToInt() || !b.canConvertToInt()) {
            out.addAll(changes(before, now).stream().filter(c -> c.startsWith(PER_DEVICE + " ")).toList());
        }
        return out;
    }

    /** {@code key old -> new} for every setting outside {@link #FREE} that differs. */
    static List<String> changes(JsonNode before, JsonNode now) {
        return changes(before, now, Set.of());
    }

    private static List<String> changes(JsonNode before, JsonNode now, Set<String> alsoFree) {
        List<String> out = new ArrayList<>();
        if (!before.isObject()) {
            out.add("the checkpoint records no settings");
            return out;
        }
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        before.fieldNames().forEachRemaining(keys::add);
        for (Iterator<String> it = now.fieldNames(); it.hasNext();) {
            keys.add(it.next());
        }
        for (String k : keys) {
            if (FREE.contains(k) || alsoFree.contains(k) || (UNRECORDED_BEFORE.contains(k) && !before.has(k))) {
                continue;
            }
            JsonNode a = before.has(k) || !now.has(k) || !ADDED_LATER.containsKey(k) ? before.get(k)
                    : JSON.valueToTree(ADDED_LATER.get(k));
            JsonNode b = now.get(k);
            if (!same(a, b)) {
                out.add(k + " " + show(a) + " -> " + show(b));
            }
        }
        return out;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return (a == null || a.isNull()) && (b == null || b.isNull());
        }
        if (a.isNumber() && b.isNumber()) {
            return a.asDouble() == b.asDouble();
        }
        return a.equals(b);
    }

    private static String show(JsonNode n) {
        return n == null ? "(unset)" : n.isTextual() ? n.asText() : n.toString();
    }
}
