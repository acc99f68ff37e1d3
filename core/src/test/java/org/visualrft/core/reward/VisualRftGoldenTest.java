package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The worked examples of docs/original-code.md (the original's values), in visual-rft mode. */
class VisualRftGoldenTest {
    static final String GT = "<answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}, {'Position': [500, 500,"
            + " 700, 800], 'Confidence': 1}]</answer>";
    static final RewardSet DET = RewardRegistry.defaults(Task.DETECTION, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);
    static final RewardSet CLS =
            RewardRegistry.defaults(Task.CLASSIFICATION, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);
    static final RewardSet LISA = RewardRegistry.defaults(Task.GROUNDING, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);

    static void det(String answer, double iou, double conf, double format) {
        det("<think>x</think><answer>" + answer + "</answer>", GT, iou, conf, format);
    }

    static void det(String completion, String solution, double iou, double conf, double format) {
        RewardBreakdown r = DET.score(completion, RewardSample.of(solution));
        assertEquals(iou, r.values().get("iou"), 1e-4, completion);
        assertEquals(conf, r.values().get("confidence"), 1e-4, completion);
        assertEquals(format, r.values().get("format"), 0.0, completion);
    }

    @Test
    void detection() {
        det("[{'Position': [100, 100, 300, 300], 'Confidence': 0.9}, {'Position': [500, 500, 700, 800], 'Confidence':"
                + " 0.8}]", 1.0, 0.85, 1);
        det("[{'Position': [110, 100, 300, 300], 'Confidence': 0.9}, {'Position': [0, 0, 50, 50], 'Confidence': 0.3}]",
                0.475, 0.8, 1);
        det("[{'Position': [100, 100, 300, 300], 'Confidence': 1.0}]", 0.5, 1.0, 1);
        det("[{'Position': [100, 100, 300, 200], 'Confidence': 0.7}]", 0.0, 0.3, 1);
        det("[{'Position': [100, 100, 300, 300], 'Confidence': 0.6}, {'Position': [100, 100, 300, 300], 'Confidence':"
                + " 0.5}, {'Position': [500, 520, 700, 800], 'Confidence': 0.95}, {'Position': [900, 900, 950, 950],"
                + " 'Confidence': 0.1}]", 0.6444, 0.8167, 1);
        det("<think>x</think><answer>[{'Position': [100, 100, 300, 300], 'Confidence': 0.9}, {'Position': [500, 5",
                GT, 0, 0, 0);
        det("\n[{'Position': [100, 100, 300, 300], 'Confidence': 0.9}]\n", 0, 0, 1);
        det("No Objects", 0, 0, 1);
        det("<think>x</think><answer>No Objects</answer>", "<answer>No Objects</answer>", 0, 0, 1);
        det("[[{'Position': [100, 100, 300, 300], 'Confidence': 0.9}]]", 0.5, 0.9, 1);
    }

    @Test
    void lazyEvaluationDecidesWhereAnExceptionZeroesTheReward() {
        String oneGt = "<answer>[{'Position': [100, 100, 300, 300], 'Confidence': 1}]</answer>";
        String good = "{'Position': [100, 100, 300, 300], 'Confidence': 0.9}";
        String bad = "{'Position': [1, 2, 3, 4, 5], 'Confidence': 0.1}";
        det("<think>x</think><answer>[" + good + ", " + bad + "]</answer>", oneGt, 0.5, 0.9, 1);
        String badFirst = "{'Position': [1, 2, 3, 4, 5], 'Confidence': 0.95}";
        det("<think>x</think><answer>[" + good + ", " + badFirst + "]</answer>", oneGt, 0, 0, 1);
        det("<think>x</think><answer>[" + good.replace("0.9", "'0.9'") + "]</answer>", oneGt, 0, 0, 1);
    }

    @Test
    void format() {
        FormatReward f = new FormatReward();
        RewardSample s = RewardSample.of("");
        assertEquals(1.0, f.score("<think>a</think><answer>b</answer>", s));
        assertEquals(1.0, f.score("<think>a</think>\n\n<answer>b</answer>", s));
        assertEquals(1.0, f.score("<think>a</think>\u001f\u3000<answer>b</answer>", s));
        assertEquals(0.0, f.score("<think>a</think>\u200b<answer>b</answer>", s));
        assertEquals(0.0, f.score(" <think>a</think><answer>b</answer>", s));
        assertEquals(0.0, f.score("<think>a</think><answer>b</answer>\n", s));
        assertEquals(1.0, f.score("<think>a\nb</think><answer>c\nd</answer>", s));
        assertEquals(0.0, f.score("<answer>b</answer>", s));
        assertEquals(1.0, f.score("<think>a</think>x</think> <answer>b</answer>", s), "a later </think> may match");
    }

    @Test
    void classification() {
        String gt = "<answer>garden phlox</answer>";
        String[] ones = {"Garden_Phlox", "phlox", "garden phlox or rose", ""};
        for (String a : ones) {
            assertEquals(1.0, CLS.score("<think>x</think><answer>" + a + "</answer>", RewardSample.of(gt))
                    .values().get("accuracy"), a);
        }
        assertEquals(1.0, CLS.score("<think>garden phlox</think><answer>\nrose\n</answer>", RewardSample.of(gt))
                .values().get("accuracy"));
        assertEquals(0.0, CLS.score("<think>x</think><answer>rose</answer>", RewardSample.of(gt))
                .values().get("accuracy"));
    }

    @Test
    void grounding() {
        String gt = "<answer> (100,100),(300,300) </answer>";
        double[][] cases = {{2.0}, {1.95}, {0.3125}, {0.0}, {1.4444}, {2.0}};
        String[] answers = {"(100,100),(300,300)", "(110,100),(300,300)", "(400,400),(500,500)", "[100,100,300,300]",
            "(100,100),(300,300),(400,400),(500,500)", "(300,300),(100,100)"};
        for (int i = 0; i < answers.length; i++) {
            double v = LISA.score("<think>t</think><answer>" + answers[i] + "</answer>", RewardSample.of(gt))
                    .values().get("giou");
            assertEquals(cases[i][0], v, 1e-4, answers[i]);
        }
    }
}
