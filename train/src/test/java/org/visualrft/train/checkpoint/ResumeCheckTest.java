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
}
