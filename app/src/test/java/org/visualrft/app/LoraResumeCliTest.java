package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.DType;

/**
 * {@code train grpo --resume} of a LoRA run: the checkpoint keeps the exact adapters apart from its merged model, so a
 * run killed after checkpoint k and resumed ends bit-identical to an uninterrupted one (weights, adapters, optimiser
 * state, losses and rewards); a base model folder that is gone or changed is refused in one line.
 */
class LoraResumeCliTest {
    /** Varies with the sampled text, so a random-weight model gets a reward signal and its adapters move. */
    public static final class TextLength implements RewardFunction {
        @Override
        public String name() {
            return "text_length_mod3";
        }

        @Override
        public double score(String completion, RewardSample sample) {
            return completion.length() % 3 / 2.0;
        }
    }

    private static final String LORA = "use_peft: true\nlora_r: 2\nlora_alpha: 4\n"
            + "lora_target_modules: [q_proj, v_proj, down_proj]\nseed: 11\nlearning_rate: 5.0e-2\nmax_steps: 4\n"
            + "save_steps: 2\nlogging_steps: 1\nper_device_train_batch_size: 1\n";
    private static final String GRPO = "num_generations: 4\nmax_completion_length: 6\nreward_mode: strict\n"
            + "reward_funcs: [format, " + TextLength.class.getName() + "]\n";

    /** The settings of a 4-step LoRA run of {@code kind} (grpo or sft) in {@code dtype}. */
    private static String settings(String kind, String dtype) {
        return LORA + (kind.equals("grpo") ? GRPO : "") + "torch_dtype: " + dtype + "\n";
    }

    /** The uninterrupted 4-step run in {@code dir/straight}; returns the base model folder. */
    private static Path straightRun(Path dir, String kind, String name, String dtype) throws Exception {
        Path model = ModelSettingsCliTest.qwenRun(dir, name);
        Path cfg = ModelSettingsCliTest.config(dir, "straight.yaml", model, "output_dir: " + dir.resolve("straight")
                + "\n" + settings(kind, dtype));
        CliRun r = CliRun.of("train", kind, "--config", cfg.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        return model;
    }

    /**
     * What a run killed during step 3 leaves: checkpoint-2 (what the uninterrupted run wrote at step 2) and metrics for
     * steps 1 to 3; returns its config.
     */
    private static Path killedAfterStep2(Path dir, String kind, Path model, String dtype) throws Exception {
        Path killed = Files.createDirectories(dir.resolve("killed"));
        copyTree(dir.resolve("straight/checkpoint-2"), killed.resolve("checkpoint-2"));
        List<String> lines = Files.readAllLines(dir.resolve("straight/metrics.jsonl"));
        Files.write(killed.resolve("metrics.jsonl"), lines.subList(0, 3));
        return ModelSettingsCliTest.config(dir, "killed.yaml", model, "output_dir: " + killed + "\n"
                + settings(kind, dtype));
    }

    @ParameterizedTest
    @CsvSource({"grpo, qwen2vl-tiny, float32", "grpo, qwen25vl-tiny, bfloat16", "sft, qwen2vl-tiny, bfloat16"})
    void aResumedLoraRunIsBitIdenticalToAnUninterruptedOne(String kind, String name, String dtype, @TempDir Path dir)
            throws Exception {
        Path model = straightRun(dir, kind, name, dtype);
        Path cfg = killedAfterStep2(dir, kind, model, dtype);
        CliRun r = CliRun.of("train", kind, "--config", cfg.toString(), "--resume");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("resuming from"), r.out());

        Path a = dir.resolve("straight/checkpoint-4");
        Path b = dir.resolve("killed/checkpoint-4");
        // the merged model users open, then everything a further resume reads
        for (String f : new String[] {"model/model.safetensors", "adapter_model.safetensors", "optimizer.safetensors",
            "trainer_state.json"}) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f);
        }
        // the same losses, rewards and KL at every step (wall times aside)
        List<JsonNode> straight = metrics(dir.resolve("straight/metrics.jsonl"));
        List<JsonNode> resumed = metrics(dir.resolve("killed/metrics.jsonl"));
        assertEquals(4, straight.size());
        assertEquals(straight.size(), resumed.size());
        for (int i = 0; i < straight.size(); i++) {
            assertEquals(withoutTimes(straight.get(i)), withoutTimes(resumed.get(i)), "metrics of step " + (i + 1));
        }
        assertTrue(straight.get(3).has("loss") && (kind.equals("sft") || straight.get(3).has("reward")),
                straight.get(3).toString());

        // the adapters are float32 over the base dtype, under PEFT's names, and trained (B no longer zero)
        try (SafeTensorsFile adapters = SafeTensorsFile.open(a.resolve("adapter_model.safetensors"))) {
            List<String> bs = adapters.entries().keySet().stream().filter(n -> n.endsWith("lora_B.weight")).toList();
            assertFalse(bs.isEmpty(), adapters.entries().keySet().toString());
            boolean moved = false;
            for (String n : adapters.entries().keySet()) {
                assertTrue(n.startsWith("base_model.model.") && n.matches(".*(q_proj|v_proj|down_proj)\\.lora_[AB]\\.weight"), n);
                assertEquals(DType.F32, adapters.entries().get(n).dtype(), n);
            }
            for (String n : bs) {
                for (byte x : toArray(adapters.bytes(n))) {
                    moved |= x != 0;
                }
            }
            assertTrue(moved, "training moved the adapters");
        }
        try (SafeTensorsFile merged = SafeTensorsFile.open(a.resolve("model/model.safetensors"))) {
            DType base = dtype.equals("bfloat16") ? DType.BF16 : DType.F32;
            assertEquals(base, merged.entries().get("model.layers.0.self_attn.q_proj.weight").dtype());
        }
        JsonNode adapterConfig = new ObjectMapper().readTree(a.resolve("adapter_config.json").toFile());
        assertEquals(2, adapterConfig.path("r").asInt(), adapterConfig.toString());
        assertEquals("LORA", adapterConfig.path("peft_type").asText());
    }

    /**
     * Activation checkpointing may be switched on when resuming (a run that ran out of memory): no
     * {@code --allow-changed-settings} needed, and the resumed steps train what the uninterrupted run trained, up to
     * float32 rounding (the gradients are summed in another order).
     */
    @Test
    void gradientCheckpointingMayBeTurnedOnWhenResuming(@TempDir Path dir) throws Exception {
        Path model = straightRun(dir, "grpo", "qwen2vl-tiny", "float32");
        killedAfterStep2(dir, "grpo", model, "float32");
        Path cfg = ModelSettingsCliTest.config(dir, "killed-ckpt.yaml", model, "output_dir: " + dir.resolve("killed")
                + "\n" + settings("grpo", "float32") + "gradient_checkpointing: true\n");
        CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString(), "--resume");
        assertEquals(0, r.code(), r.out() + r.err());
        List<JsonNode> straight = metrics(dir.resolve("straight/metrics.jsonl"));
        List<JsonNode> resumed = metrics(dir.resolve("killed/metrics.jsonl"));
        assertEquals(4, resumed.size());
        for (int i = 2; i < 4; i++) {
            for (String k : new String[] {"loss", "grad_norm", "reward"}) {
                double want = straight.get(i).get(k).asDouble();
                assertEquals(want, resumed.get(i).get(k).asDouble(), 1e-4 * Math.max(1, Math.abs(want)),
                        "step " + (i + 1) + " " + k);
            }
        }
        assertTrue(straight.get(3).get("grad_norm").asDouble() > 0);
    }

    @Test
    void aMissingOrChangedBaseModelIsRefusedInOneLine(@TempDir Path dir) throws Exception {
        Path model = straightRun(dir, "grpo", "qwen2vl-tiny", "float32");
        Path cfg = killedAfterStep2(dir, "grpo", model, "float32");
        String metricsBefore = Files.readString(dir.resolve("killed/metrics.jsonl"));

        Path weights = model.resolve("model.safetensors");
        byte[] original = Files.readAllBytes(weights);
        byte[] changed = original.clone();
        changed[changed.length - 1] ^= 1; // one bit of the last weight
        Files.write(weights, changed);
        CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString(), "--resume");
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(model + ": base model folder differs from the one checkpoint-2 was trained on:"
                + " model.safetensors has changed"), r.err());

        Files.write(weights, original);
        Path moved = dir.resolve("model-moved");
        Files.move(model, moved);
        CliRun gone = CliRun.of("train", "grpo", "--config", cfg.toString(), "--resume");
        assertEquals(2, gone.code(), gone.out() + gone.err());
        assertEquals(1, gone.err().strip().lines().count(), gone.err());
        assertTrue(gone.err().contains(model + ": base model folder is missing; checkpoint-2 holds LoRA adapters"),
                gone.err());
        assertEquals(metricsBefore, Files.readString(dir.resolve("killed/metrics.jsonl")), "nothing written");
        assertFalse(Files.exists(dir.resolve("killed/checkpoint-4")));

        Files.move(moved, model); // the same base again: the run resumes
        CliRun ok = CliRun.of("train", "grpo", "--config", cfg.toString(), "--resume");
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(Files.isRegularFile(dir.resolve("killed/checkpoint-4/adapter_model.safetensors")));
    }

    @Test
    void adaptersThatAreNotTheModelsAreRefusedAndAnOlderCheckpointResumesFromItsMergedWeights(@TempDir Path dir)
            throws Exception {
        Path model = straightRun(dir, "grpo", "qwen2vl-tiny", "float32");
        Path cfg = killedAfterStep2(dir, "grpo", model, "float32");
        Path other = ModelSettingsCliTest.config(dir, "rank4.yaml", model, "output_dir: " + dir.resolve("killed")
                + "\n" + settings("grpo", "float32").replace("lora_r: 2", "lora_r: 4"));
        CliRun r = CliRun.of("train", "grpo", "--config", other.toString(), "--resume", "--allow-changed-settings");
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(dir.resolve("killed/checkpoint-2/adapter_model.safetensors") + ": "), r.err());
        assertTrue(r.err().contains("the model's is F32 [4, "), r.err());
        assertFalse(Files.exists(dir.resolve("killed/checkpoint-4")));

        // a checkpoint written before adapters were kept apart: resumed from its merged weights, said so
        Files.delete(dir.resolve("killed/checkpoint-2/adapter_model.safetensors"));
        Files.delete(dir.resolve("killed/checkpoint-2/adapter_config.json"));
        CliRun old = CliRun.of("train", "grpo", "--config", cfg.toString(), "--resume");
        assertEquals(0, old.code(), old.out() + old.err());
        assertTrue(old.out().contains("checkpoint-2 holds no adapter_model.safetensors"), old.out());
        assertTrue(old.out().contains("not bit-identical"), old.out());
        assertEquals(4, metrics(dir.resolve("killed/metrics.jsonl")).size());
    }

    private static List<JsonNode> metrics(Path file) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            out.add(json.readTree(l));
        }
        return out;
    }

    private static Map<String, JsonNode> withoutTimes(JsonNode n) {
        Map<String, JsonNode> m = new java.util.TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().contains("time") && !e.getKey().endsWith("_per_s")) {
                m.put(e.getKey(), e.getValue());
            }
        }
        return m;
    }

    private static byte[] toArray(java.nio.ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
