package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.safetensors.SafeTensorsFile;

/**
 * {@code train grpo|sft} with the model settings of a YAML config: torch_dtype and LoRA (TRL ModelConfig names), and
 * GRPO's max_prompt_length, as a user meets them on the command line.
 */
class ModelSettingsCliTest {
    private static final String SHORT = "What is in the image ?";
    private static final String LONG = "What is in the image ? cat dog box , 1 2 3";

    static Path qwenRun(Path dir, String name) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../shared/fixtures")).resolve(name);
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.copy(fixture.resolve("image_b.png"), dir.resolve("b.png"));
        Files.writeString(dir.resolve("train.jsonl"), "{\"id\": \"short-1\", \"image\": \"a.png\", \"problem\": \"" + SHORT
                + "\", \"solution\": \"<answer>cat</answer>\", \"task\": \"classification\"}\n"
                + "{\"id\": \"long-2\", \"image\": \"a.png\", \"problem\": \"" + LONG
                + "\", \"solution\": \"<answer>dog</answer>\", \"task\": \"classification\"}\n");
        return model;
    }

    static Path config(Path dir, String file, Path model, String body) throws Exception {
        Path cfg = dir.resolve(file);
        Files.writeString(cfg, "model: " + model + "\ndataset: " + dir.resolve("train.jsonl") + "\n" + body);
        return cfg;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny"})
    void loraFromYamlTrainsOnlyTheTargetsAndIsRecorded(String name, @TempDir Path dir) throws Exception {
        Path model = qwenRun(dir, name);
        Path cfg = config(dir, "sft.yaml", model, "output_dir: " + dir.resolve("sft") + "\nper_device_train_batch_size: 2\n"
                + "learning_rate: 1.0e-2\nmax_steps: 1\nsave_steps: 1\nuse_peft: true\nlora_r: 2\nlora_alpha: 4\n"
                + "lora_target_modules: [q_proj, v_proj]\ntorch_dtype: float32\n");
        CliRun r = CliRun.of("train", "sft", "--config", cfg.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        // the saved model is the base with the adapters merged: q_proj and v_proj moved, every other weight is the
        // base's to the bit (full fine-tuning would move all of the language model)
        Changes c = changes(model, dir.resolve("sft/checkpoint-1/model"));
        assertFalse(c.moved().isEmpty(), "adapters were trained");
        assertTrue(c.moved().stream().allMatch(t -> t.contains("q_proj.weight") || t.contains("v_proj.weight")),
                "only LoRA targets change: " + c.moved());
        assertTrue(c.compared() - c.moved().size() > 10, "compared the other weights");
        JsonNode prov = new ObjectMapper().readTree(dir.resolve("sft/provenance.json").toFile());
        assertTrue(prov.path("config").path("use_peft").asBoolean(), prov.toString());
        assertEquals(2, prov.path("engine_settings").path("lora").path("rank").asInt(), prov.toString());
        assertEquals("[\"q_proj\",\"v_proj\"]", prov.path("engine_settings").path("lora").path("targets").toString());
        assertEquals("float32", prov.path("engine_settings").path("dtype").asText());
    }

    @Test
    void maxPromptLengthRefusesALongerPromptNamingItsRecordOrSkipsAndCountsIt(@TempDir Path dir) throws Exception {
        Path model = qwenRun(dir, "qwen25vl-tiny");
        int shortLength;
        int longLength;
        try (Policy p = ModelLoader.load(model)) {
            Image a = Image.read(dir.resolve("a.png"));
            shortLength = p.promptLength(new Prompt(a, SHORT));
            longLength = p.promptLength(new Prompt(a, LONG));
        }
        assertTrue(longLength > shortLength && shortLength > 20, "image tokens and text: " + shortLength);
        String common = "num_generations: 2\nmax_completion_length: 4\nmax_steps: 1\nsave_steps: 1\nreward_mode: strict\n"
                + "max_prompt_length: " + shortLength + "\n";
        Path cfg = config(dir, "grpo.yaml", model, "output_dir: " + dir.resolve("run") + "\n" + common);
        CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(dir.resolve("train.jsonl") + " record long-2: prompt takes " + longLength
                + " positions (image tokens included), max_prompt_length is " + shortLength), r.err());
        assertFalse(Files.exists(dir.resolve("run/metrics.jsonl")), "nothing written");

        Path skip = config(dir, "skip.yaml", model, "output_dir: " + dir.resolve("skip") + "\n" + common
                + "skip_bad_rows: true\n");
        CliRun ok = CliRun.of("train", "grpo", "--config", skip.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("skipped 1 of 2 records"), ok.out());
        String metrics = Files.readString(dir.resolve("skip/metrics.jsonl"));
        assertTrue(metrics.contains("\"skipped_bad_rows\":1"), metrics);
    }

    @Test
    void theBuiltInModelRefusesLoraInOneLine(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path cfg = TrainCommandTest.config(dir, "grpo.yaml", "output_dir: " + dir.resolve("run")
                + "\nnum_generations: 2\nmax_steps: 1\nuse_peft: true\nlora_r: 4\n");
        CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("model_type vrft-tiny takes no LoRA adapters (use_peft: true)"), r.err());
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");

        Path bf16 = TrainCommandTest.config(dir, "sft.yaml", "output_dir: " + dir.resolve("sft")
                + "\nmax_steps: 1\ntorch_dtype: bfloat16\n");
        CliRun s = CliRun.of("train", "sft", "--config", bf16.toString());
        assertEquals(2, s.code(), s.out() + s.err());
        assertTrue(s.err().contains("vrft-tiny runs in float32 only, not torch_dtype: bfloat16"), s.err());
    }

    /**
     * use_peft with freeze_vision_modules: false on Qwen2.5-VL: lora_target_modules [gate_proj] adapts the decoder's
     * and the vision MLP's gate_proj (PEFT's suffix match over the whole model), so both move in the merged model and
     * every other weight stays the base's to the bit; a name the family's layers do not have is one line naming the key.
     */
    @Test
    void loraWithTheTowerUnfrozenAdaptsItsLayersOfThoseNames(@TempDir Path dir) throws Exception {
        Path model = qwenRun(dir, "qwen25vl-tiny");
        Path cfg = config(dir, "sft.yaml", model, "output_dir: " + dir.resolve("sft") + "\nper_device_train_batch_size: 2\n"
                + "learning_rate: 1.0e-2\nmax_steps: 1\nsave_steps: 1\nuse_peft: true\nfreeze_vision_modules: false\n"
                + "lora_r: 2\nlora_alpha: 4\nlora_target_modules: [gate_proj]\ntorch_dtype: float32\n");
        CliRun r = CliRun.of("train", "sft", "--config", cfg.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        Changes c = changes(model, dir.resolve("sft/checkpoint-1/model"));
        assertTrue(c.moved().stream().allMatch(t -> t.endsWith("gate_proj.weight")),
                "only LoRA targets change: " + c.moved());
        long visionMoved = c.moved().stream().filter(t -> t.contains("visual.")).count();
        long decoderMoved = c.moved().size() - visionMoved;
        assertTrue(visionMoved > 0 && decoderMoved > 0, "tower " + visionMoved + ", decoder " + decoderMoved);

        Path bad = config(dir, "bad.yaml", model, "output_dir: " + dir.resolve("bad") + "\nmax_steps: 1\n"
                + "use_peft: true\nfreeze_vision_modules: false\nlora_target_modules: [q_proj, fc1]\n");
        CliRun b = CliRun.of("train", "sft", "--config", bad.toString());
        assertEquals(2, b.code(), b.out() + b.err());
        assertEquals(1, b.err().strip().lines().count(), b.err());
        assertTrue(b.err().contains("lora_target_modules") && b.err().contains("'fc1' matches no linear layer of"
                + " qwen2_5_vl"), b.err());
    }

    /** The weights of a merged save that differ from the base's in bytes, of how many both hold (a tied head aside). */
    record Changes(java.util.List<String> moved, int compared) {
    }

    static Changes changes(Path base, Path saved) throws Exception {
        java.util.List<String> moved = new java.util.ArrayList<>();
        int compared = 0;
        try (SafeTensorsFile b = SafeTensorsFile.open(base.resolve("model.safetensors"));
             SafeTensorsFile s = SafeTensorsFile.open(saved.resolve("model.safetensors"))) {
            for (String t : b.entries().keySet()) {
                if (s.contains(t)) { // not a tied lm_head
                    compared++;
                    if (!b.bytes(t).equals(s.bytes(t))) {
                        moved.add(t);
                    }
                }
            }
        }
        return new Changes(moved, compared);
    }
}
