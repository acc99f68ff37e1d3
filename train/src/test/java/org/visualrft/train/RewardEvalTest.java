package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.Rewarder;

/** In-loop evaluation reports COCO mAP for detection samples (and only then). */
class RewardEvalTest {
    @TempDir
    Path dir;

    private static TrainingExample detection(int i, String category, boolean inColumn) {
        Map<String, Object> cols = inColumn ? Map.of("category", category) : Map.of();
        return new TrainingExample("d" + i, new Prompt(Image.gray(20, 20, new float[400]),
                "category '" + category + "'"), // the paper prompt's phrase; its full text is too long for the tiny model
                new RewardSample("<answer>[{'Position': [100, 100, 500, 600], 'Confidence': 1}]</answer>",
                        Task.DETECTION, new ImageSize(20, 20), cols), null);
    }

    private static TrainingExample grounding(int i) {
        return new TrainingExample("g" + i, new Prompt(Image.gray(20, 20, new float[400]), "where is it"),
                new RewardSample("<answer>(2,3),(12,15)</answer>", Task.GROUNDING, new ImageSize(20, 20), Map.of()),
                null);
    }

    /** metricNames (known before a run, to check metric_for_best_model) is what evaluate reports, task by task. */
    @Test
    void metricNamesAreWhatEvaluateReports() {
        Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", "test");
        try (TinyVlm model = TinyTask.model(dir, 3)) {
            List<TrainingExample> mixed = new ArrayList<>(TinyTask.examples(2, 1));
            mixed.add(detection(0, "cat", true));
            mixed.add(grounding(0));
            for (List<TrainingExample> set : List.of(mixed, TinyTask.examples(2, 1), List.of(grounding(1)),
                    List.of(detection(1, "dog", false)))) {
                RewardEval eval = new RewardEval(set, rewarder, RewardMode.STRICT, 6, 0);
                assertEquals(eval.metricNames(), eval.evaluate(model).keySet(), set.toString());
            }
            RewardEval limited = new RewardEval(mixed, rewarder, RewardMode.STRICT, 6, 2); // classification only
            assertEquals(limited.metricNames(), limited.evaluate(model).keySet());
            assertFalse(limited.metricNames().contains("detection_map"));
        }
    }

    @Test
    void detectionSetsGetMapAndOthersDoNot() {
        Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", "test");
        try (TinyVlm model = TinyTask.model(dir, 3)) {
            List<TrainingExample> det = new ArrayList<>(List.of(detection(0, "cat", true), detection(1, "dog", false)));
            Map<String, Double> m = new RewardEval(det, rewarder, RewardMode.STRICT, 8, 0).evaluate(model);
            // an untrained model writes no box: every ground-truth box is missed
            assertEquals(0.0, m.get("detection_map"));
            assertEquals(0.0, m.get("detection_ap50"));
            Map<String, Double> cls = new RewardEval(TinyTask.examples(2, 1), rewarder, RewardMode.STRICT, 8, 0)
                    .evaluate(model);
            assertFalse(cls.containsKey("detection_map"));
        }
        assertEquals("cat", RewardEval.category(detection(0, "cat", true)));
        assertEquals("hot dog", RewardEval.category(detection(0, "hot dog", false)));
    }

    /**
     * A task's own token limit (the paper's grounding evaluation: 128) applies to its records in a batch that mixes
     * tasks, and leaves the other records' answers as they are without it.
     */
    @Test
    void aTasksOwnTokenLimitAppliesToItsRecordsInAMixedBatch() {
        Rewarder rewarder = Rewarder.of(List.of(), List.of(), "strict", "test");
        try (TinyVlm model = TinyTask.model(dir, 3)) {
            List<TrainingExample> mixed = new ArrayList<>(TinyTask.examples(2, 1));
            mixed.add(1, grounding(0));
            mixed.add(grounding(1));
            RewardEval.Decoding plain = RewardEval.Decoding.greedy(8, 1.0);
            RewardEval.Decoding limited = new RewardEval.Decoding(plain.params(), Map.of(Task.GROUNDING, 2), 0);
            Map<String, Integer> lengths = new java.util.LinkedHashMap<>();
            Map<String, String> texts = new java.util.LinkedHashMap<>();
            new RewardEval(mixed, rewarder, RewardMode.STRICT, limited, 0, 4).evaluate(model, (ex, r, b) -> {
                lengths.put(ex.id(), r.length());
                texts.put(ex.id(), r.text());
            });
            Map<String, String> without = new java.util.LinkedHashMap<>();
            new RewardEval(mixed, rewarder, RewardMode.STRICT, plain, 0, 4).evaluate(model, (ex, r, b) -> {
                without.put(ex.id(), r.text());
                if (ex.task() == Task.GROUNDING) {
                    org.junit.jupiter.api.Assertions.assertTrue(r.length() > 2, "the limit must cut something");
                }
            });
            assertEquals(List.of(mixed.get(0).id(), "g0", mixed.get(2).id(), "g1"), List.copyOf(lengths.keySet()));
            for (TrainingExample ex : mixed) {
                if (ex.task() == Task.GROUNDING) {
                    org.junit.jupiter.api.Assertions.assertTrue(lengths.get(ex.id()) <= 2, lengths.toString());
                } else {
                    assertEquals(without.get(ex.id()), texts.get(ex.id()));
                }
            }
        }
    }
}
