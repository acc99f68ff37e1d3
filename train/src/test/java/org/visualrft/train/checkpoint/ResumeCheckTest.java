package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;

class ResumeCheckTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** What a checkpoint written before rollout_batch_groups existed records: the same settings without the key. */
    static JsonNode olderRecord(GrpoConfig c) {
        Map<String, Object> m = new java.util.LinkedHashMap<>(c.asYaml());
        m.remove("rollout_batch_groups");
        return JSON.valueToTree(m);
    }

    @Test
    void aSettingAddedLaterIsItsOldBehaviourInAnOlderCheckpoint() {
        GrpoConfig plain = GrpoConfig.parse("r.yaml", "");
        GrpoConfig batched = GrpoConfig.parse("r.yaml", "rollout_batch_groups: 8\n");
        assertEquals(List.of(), ResumeCheck.changes(olderRecord(plain), JSON.valueToTree(plain.asYaml())),
                "an older checkpoint sampled one prompt at a time: the default resumes it");
        assertEquals(List.of("rollout_batch_groups 1 -> 8"),
                ResumeCheck.changes(olderRecord(plain), JSON.valueToTree(batched.asYaml())));
        assertEquals(List.of("rollout_batch_groups 8 -> 1"),
                ResumeCheck.changes(JSON.valueToTree(batched.asYaml()), JSON.valueToTree(plain.asYaml())));
        JsonNode sft = JSON.valueToTree(SftConfig.parse("s.yaml", "").asYaml());
        assertEquals(List.of(), ResumeCheck.changes(sft, sft), "SFT has no such setting");
    }

    /** A checkpoint from before top_entropy_quantile kept every token: 1 resumes it, another value is a change. */
    @Test
    void topEntropyQuantileMissingFromAnOlderRecordIsOne() {
        GrpoConfig all = GrpoConfig.parse("r.yaml", "");
        GrpoConfig top = GrpoConfig.parse("r.yaml", "top_entropy_quantile: 0.2\n");
        Map<String, Object> older = new java.util.LinkedHashMap<>(all.asYaml());
        older.remove("top_entropy_quantile");
        assertEquals(List.of(), ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(all.asYaml())));
        assertEquals(List.of("top_entropy_quantile 1.0 -> 0.2"),
                ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(top.asYaml())));
    }

    /** A checkpoint from before repetition_penalty and min_p sampled without them: 1 and null resume it. */
    @Test
    void samplingKeysMissingFromAnOlderRecordAreTheirDefaults() {
        GrpoConfig plain = GrpoConfig.parse("r.yaml", "");
        GrpoConfig penalised = GrpoConfig.parse("r.yaml", "repetition_penalty: 1.1\nmin_p: 0.05\n");
        Map<String, Object> older = new java.util.LinkedHashMap<>(plain.asYaml());
        older.remove("repetition_penalty");
        older.remove("min_p");
        assertEquals(List.of(), ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(plain.asYaml())));
        assertEquals(List.of("repetition_penalty 1.0 -> 1.1", "min_p (unset) -> 0.05"),
                ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(penalised.asYaml())));
    }

    /**
     * Before freeze_vision_modules existed a Qwen run froze its vision tower and the built-in model trained its
     * encoder; the record cannot tell which, so its absence is no change (the optimiser state's layout decides), while
     * a recorded value is compared.
     */
    @Test
    void freezeVisionModulesMissingFromAnOlderRecordIsNotAChange() {
        GrpoConfig trained = GrpoConfig.parse("r.yaml", "");
        GrpoConfig frozen = GrpoConfig.parse("r.yaml", "freeze_vision_modules: true\n");
        for (GrpoConfig now : List.of(trained, frozen)) {
            Map<String, Object> older = new java.util.LinkedHashMap<>(now.asYaml());
            older.remove("freeze_vision_modules");
            assertEquals(List.of(), ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(now.asYaml())));
        }
        assertEquals(List.of("freeze_vision_modules true -> false"), ResumeCheck.changes(
                JSON.valueToTree(frozen.asYaml()), JSON.valueToTree(trained.asYaml())));
    }

    /** A LoRA checkpoint from before lora_exclude_modules excluded nothing: unset resumes it, an exclusion changes it. */
    @Test
    void loraExcludeModulesMissingFromAnOlderRecordIsNone() {
        GrpoConfig plain = GrpoConfig.parse("r.yaml", "use_peft: true\n");
        GrpoConfig excluding = GrpoConfig.parse("r.yaml",
                "use_peft: true\nlora_exclude_modules: [layers.0.mlp.up_proj]\n");
        Map<String, Object> older = new java.util.LinkedHashMap<>(plain.asYaml());
        older.remove("lora_exclude_modules");
        assertEquals(List.of(), ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(plain.asYaml())));
        assertEquals(List.of("lora_exclude_modules (unset) -> [\"layers.0.mlp.up_proj\"]"),
                ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(excluding.asYaml())));
        GrpoConfig regex = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_target_modules: '.*q_proj'\n");
        assertEquals(List.of("lora_target_modules [\"q_proj\",\"k_proj\",\"v_proj\",\"o_proj\",\"gate_proj\",\"up_proj\","
                + "\"down_proj\"] -> .*q_proj"), ResumeCheck.changes(JSON.valueToTree(plain.asYaml()),
                JSON.valueToTree(regex.asYaml())));
    }

    /**
     * A checkpoint from before system_prompt asked without a system message: unset resumes it; a system prompt changes
     * every prompt the model sees, so it is a changed setting (GRPO and SFT).
     */
    @Test
    void systemPromptMissingFromAnOlderRecordIsNone() {
        for (boolean sft : new boolean[] {false, true}) {
            Map<String, Object> plain = sft ? SftConfig.parse("s.yaml", "").asYaml() : GrpoConfig.parse("r.yaml", "")
                    .asYaml();
            String yaml = "system_prompt: You are terse.\n";
            Map<String, Object> given = sft ? SftConfig.parse("s.yaml", yaml).asYaml() : GrpoConfig.parse("r.yaml",
                    yaml).asYaml();
            assertEquals("You are terse.", given.get("system_prompt"));
            Map<String, Object> older = new java.util.LinkedHashMap<>(plain);
            older.remove("system_prompt");
            assertEquals(List.of(), ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(plain)));
            assertEquals(List.of("system_prompt (unset) -> You are terse."),
                    ResumeCheck.changes(JSON.valueToTree(older), JSON.valueToTree(given)));
        }
    }

    /**
     * A checkpoint of 2 ranks × 2 prompts resumed on 1 rank: with 4 prompts per rank it is the same run; with 2 the
     * global micro-batch halves, which was not noticed (the world size was not compared) and is now a changed setting.
     */
    @Test
    void theGlobalMicroBatchIsComparedAcrossWorldSizes() {
        JsonNode two = JSON.valueToTree(GrpoConfig.parse("r.yaml", "per_device_train_batch_size: 2\n").asYaml());
        JsonNode four = JSON.valueToTree(GrpoConfig.parse("r.yaml", "per_device_train_batch_size: 4\n").asYaml());
        assertEquals(List.of(), ResumeCheck.changes(two, 2, four, 1), "2 × 2 = 4 × 1");
        assertEquals(List.of(), ResumeCheck.changes(two, 2, two, 2));
        assertEquals(List.of("per_device_train_batch_size × world size (the global micro-batch) 2 × 2 -> 2 × 1"),
                ResumeCheck.changes(two, 2, two, 1));
        assertEquals(List.of("per_device_train_batch_size 2 -> 4"), ResumeCheck.changes(two, 1, four, 1));
        // a checkpoint that records no world size: the per-device batch alone, as before
        assertEquals(List.of("per_device_train_batch_size 2 -> 4"), ResumeCheck.changes(two, null, four, 1));
        assertEquals(List.of(), ResumeCheck.changes(two, null, two, 2));
        JsonNode sft = JSON.valueToTree(SftConfig.parse("s.yaml", "per_device_train_batch_size: 2\n").asYaml());
        assertEquals(1, ResumeCheck.changes(sft, 1, sft, 2).size(), "SFT alike");
    }
}
