package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.prompt.VisualRftPrompts;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.Rewarder;

/**
 * {@code --protocol visual-rft} on grounding records is the LISA script ({@code Qwen2_VL_lisa_infere.py}): the R1
 * system prompt, the script's question text (". " after the instruction, no {@code <image>} line), and mIoU from the
 * first {@code (x1,y1),(x2,y2)} of the whole decoded text against the annotation's box over the image's size, with
 * the script's {@code inter / (areaA + areaB - inter + 1e-6)}. A model stub with known answers checks the scoring.
 */
class LisaProtocolTest {
    static final int W = 1000;
    static final int H = 500;

    static TrainingExample lisa(String id, String instruction, String pixelBox) {
        Map<String, Object> cols = new java.util.LinkedHashMap<>();
        cols.put("instruction", instruction);
        if (pixelBox != null) {
            cols.put("box", pixelBox);
        }
        return new TrainingExample(id, new Prompt(Image.gray(20, 20, new float[400]),
                VisualRftPrompts.lisaTraining(instruction, true)), new RewardSample("<answer> (100,200),(500,601) </answer>",
                Task.GROUNDING, new ImageSize(W, H), cols), null);
    }

    /** The script's compute_iou, on [x1, y1, x2, y2] fractions of the image. */
    static double scriptIou(double[] a, double[] b) {
        double inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]))
                * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter + 1e-6);
    }

    @Test
    void groundingRecordsAreAskedAsTheLisaScriptAsks() {
        TrainingExample ex = lisa("g", "the thing that holds water", null);
        TrainingExample asked = EvaluationProtocol.VISUAL_RFT.ask(ex, null);
        assertEquals(VisualRftPrompts.R1_SYSTEM_PROMPT, asked.prompt().system());
        assertEquals("Output the bounding box in the image corresponding to the instruction: the thing that holds water."
                + " Output the thinking process in <think> </think> and your grouding box. Following \"<think> thinking"
                + " process </think>\n<answer>(x1,y1),(x2,y2)</answer>)\" format.", asked.prompt().text());
        // the default protocol leaves it as the dataset has it; an explicit system prompt wins under either
        assertEquals(ex.prompt(), EvaluationProtocol.DEFAULT.ask(ex, null).prompt());
        assertEquals("terse", EvaluationProtocol.VISUAL_RFT.ask(ex, "terse").prompt().system());
        assertEquals("terse", EvaluationProtocol.DEFAULT.ask(ex, "terse").prompt().system());
        // a grounding question that is not the training template is asked as it is (after the R1 system prompt)
        TrainingExample other = new TrainingExample("o", new Prompt(ex.prompt().image(), "where is the cat"),
                ex.reward(), null);
        assertEquals("where is the cat", EvaluationProtocol.VISUAL_RFT.ask(other, null).prompt().text());
        // other tasks: the scripts' <image> line, no system message
        TrainingExample cls = new TrainingExample("c", new Prompt(ex.prompt().image(), "what species"),
                new RewardSample("<answer>rose</answer>", Task.CLASSIFICATION, null, Map.of()), null);
        assertEquals("<image>\nwhat species", EvaluationProtocol.VISUAL_RFT.ask(cls, null).prompt().text());
        assertNull(EvaluationProtocol.VISUAL_RFT.ask(cls, null).prompt().system());
    }

    @Test
    void theBoxIsReadFromTheWholeDecodedTextAndScoredAsTheScriptScores() {
        List<TrainingExample> data = List.of(
                lisa("think", "the cup", "[100.7, 100.2, 500.9, 300.4]"),
                lisa("none", "the mug", "[100.7, 100.2, 500.9, 300.4]"),
                lisa("question", "the cup at (120,240),(480,560) in the picture", null),
                lisa("answer", "the glass", null));
        Map<String, String> answers = Map.of(
                // the thinking's box comes first in the decoded text: the script takes it, not the answer's
                "think", "<think>maybe (100,200),(300,400) or not</think><answer>(100,200),(500,600)</answer>",
                "none", "<think>no idea</think><answer>[100, 200, 500, 600]</answer>",
                // no box in the answer: the instruction's, decoded with the prompt, is the first
                "question", "<think>x</think><answer>none</answer>",
                "answer", "<answer>(110,190),(520,630)</answer>");
        List<TrainingExample> asked = new ArrayList<>();
        for (TrainingExample ex : data) {
            asked.add(EvaluationProtocol.VISUAL_RFT.ask(ex, null));
        }
        List<Prompt> seen = new ArrayList<>();
        Policy stub = knownAnswers(asked, answers, seen);
        Rewarder rewarder = Rewarder.of(List.of(), List.of(), "visual-rft", "test");
        Map<String, Double> lisa = new RewardEval(asked, rewarder, RewardMode.VISUAL_RFT,
                RewardEval.Decoding.greedy(128, 1.0), 0, 1).readingGroundingAs(EvaluationProtocol::lisaBox)
                .evaluate(stub);
        for (Prompt p : seen) {
            assertEquals(VisualRftPrompts.R1_SYSTEM_PROMPT, p.system(), "the model is asked with the R1 prompt");
        }
        double[] gt1 = {100.7 / W, 100.2 / H, 500.9 / W, 300.4 / H}; // the annotation's box over the image's size
        double[] gtSolution = {0.1, 0.2, 0.5, 0.601};                // without one: the solution's, over 1000
        double expected = (scriptIou(new double[] {0.1, 0.2, 0.3, 0.4}, gt1) + 0.0
                + scriptIou(new double[] {0.12, 0.24, 0.48, 0.56}, gtSolution)
                + scriptIou(new double[] {0.11, 0.19, 0.52, 0.63}, gtSolution)) / 4;
        assertEquals(expected, lisa.get("grounding_miou"), 1e-12);
        // read from the answer alone (in-loop evaluation's way) the same answers score otherwise
        Map<String, Double> plain = new RewardEval(asked, rewarder, RewardMode.VISUAL_RFT,
                RewardEval.Decoding.greedy(128, 1.0), 0, 1).evaluate(stub);
        double fromAnswers = (scriptIou(new double[] {0.1, 0.2, 0.5, 0.6}, gtSolution) + 0.0 + 0.0
                + scriptIou(new double[] {0.11, 0.19, 0.52, 0.63}, gtSolution)) / 4;
        assertEquals(fromAnswers, plain.get("grounding_miou"), 1e-12);
        assertTrue(Math.abs(fromAnswers - expected) > 0.005, fromAnswers + " vs " + expected);
    }

    /** A policy that answers each asked example with its known text, and notes the prompts it was given. */
    static Policy knownAnswers(List<TrainingExample> asked, Map<String, String> answers, List<Prompt> seen) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("generate") && args.length == 4) {
                Prompt p = (Prompt) args[0];
                seen.add(p);
                for (TrainingExample ex : asked) {
                    if (ex.prompt().text().equals(p.text())) {
                        return List.of(new Rollout(new int[] {1, 2}, answers.get(ex.id()), new float[2], true));
                    }
                }
                throw new AssertionError("unexpected prompt " + p.text());
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException(method.getName());
        };
        return (Policy) Proxy.newProxyInstance(Policy.class.getClassLoader(), new Class<?>[] {Policy.class}, h);
    }
}
