package org.visualrft.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.visualrft.core.reward.Task;

class HackingDiagnosticsTest {
    static final String GT = "<answer>[{'Position': [10, 10, 50, 50], 'Confidence': 1}]</answer>";

    @Test
    void countsDuplicateBoxesOverPredictionAndNonLabels() {
        HackingDiagnostics d = new HackingDiagnostics(Set.of("shirt", "sandal"));
        d.add(Task.DETECTION, "<think>x</think><answer>[{'Position': [10, 10, 50, 50], 'Confidence': 0.9}, "
                + "{'Position': [10, 10, 50, 50], 'Confidence': 0.8}, {'Position': [60, 60, 90, 90], "
                + "'Confidence': 0.5}]</answer>", GT);
        d.add(Task.DETECTION, "<answer>[{'Position': [10, 10, 50, 50], 'Confidence': 0.9}]</answer>", GT);
        d.add(Task.CLASSIFICATION, "<answer>Shirt</answer>", "<answer>Shirt</answer>");
        d.add(Task.CLASSIFICATION, "<answer>Shirt, Sandal</answer>", "<answer>Shirt</answer>");
        d.add(Task.CLASSIFICATION, "it is a shirt", "<answer>Shirt</answer>");
        Map<String, Double> v = d.values();
        assertEquals(1.0 / 4.0, v.get("hacking/duplicate_box_rate"), 1e-12); // 1 of 4 written boxes repeats
        assertEquals((1 + 0) / 2.0, v.get("hacking/pred_minus_gt"), 1e-12); // 2 kept - 1 gt, then 1 - 1
        assertEquals(2.0 / 3.0, v.get("hacking/cls_not_one_label"), 1e-12);
    }

    @Test
    void absentTasksReportNothing() {
        HackingDiagnostics d = new HackingDiagnostics(Set.of("shirt"));
        d.add(Task.CLASSIFICATION, "<answer>shirt</answer>", "<answer>Shirt</answer>");
        assertFalse(d.values().containsKey("hacking/duplicate_box_rate"));
        assertEquals(0.0, d.values().get("hacking/cls_not_one_label"));
    }
}
