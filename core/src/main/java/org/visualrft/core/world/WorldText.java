package org.visualrft.core.world;

import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The strings of a world example in the Visual-RFT format: the question ({@code problem}), the ground-truth
 * {@code solution} the rewards compare with, and the completion an SFT step teaches.
 *
 * <p>Questions follow the paper's templates (docs/original-code.md, "Task prompts"): the detection prompt verbatim with the category name, the
 * classification prompt with the subject changed to a clothing item, and the LISA grounding prompt verbatim. Without
 * chain of thought (the ablation) the question asks for an empty {@code <think> </think>}, so the format reward still
 * applies unchanged and only the reasoning differs.
 *
 * <p>Completions are {@code <think> THOUGHT </think><answer>ANSWER</answer>} with a one-word thought: the coarse group
 * (classification), the object count (detection) or the target's class (grounding). Detection targets carry
 * confidence 0.9 (ground-truth solutions carry 1, as in the paper's data); boxes are sorted left to right.
 */
public final class WorldText {
    static final String THINK_INSTRUCTION = "Output the thinking process in <think> </think>";
    static final String NO_THINK_INSTRUCTION = "Output an empty <think> </think>";
    static final String CLASSIFICATION_QUESTION = "This is an image containing a clothing item. Please identify the "
            + "category of the item based on the image.\n";
    static final String ANSWER_FORMAT_TAIL = " and final answer in <answer> </answer> tags.The output answer format "
            + "should be as follows:\n";
    static final String NO_OBJECTS = "No Objects";
    /** The confidence SFT targets carry for each box. */
    public static final String TARGET_CONFIDENCE = "0.9";
    private static final String[] COUNT_WORDS = {"none", "one", "two", "three", "four", "five", "six"};

    private WorldText() {
    }

    /** The question for this example, with or without chain of thought. */
    public static String problem(WorldSample s, boolean cot) {
        return switch (s.kind()) {
            case CLASSIFICATION -> classificationProblem(cot);
            case DETECTION -> detectionProblem(s.label().displayName(), cot);
            case GROUNDING -> groundingProblem(s.instruction(), cot);
        };
    }

    /** The classification question (the same for every item). */
    public static String classificationProblem(boolean cot) {
        return CLASSIFICATION_QUESTION + (cot ? THINK_INSTRUCTION : NO_THINK_INSTRUCTION) + ANSWER_FORMAT_TAIL
                + (cot ? "<think> ... </think>" : "<think> </think>")
                + " <answer>category name</answer>\nPlease strictly follow the format.";
    }

    /** The paper's detection question for a category (docs/original-code.md, "Task prompts"). */
    public static String detectionProblem(String category, boolean cot) {
        return "Detect all objects belonging to the category '" + category + "' in the image, and provide the "
                + "bounding boxes (between 0 and 1000, integer) and confidence (between 0 and 1, with two "
                + "decimal places).\nIf no object belonging to the category '" + category + "' in the image, return "
                + "'No Objects'.\n" + (cot ? THINK_INSTRUCTION : NO_THINK_INSTRUCTION) + ANSWER_FORMAT_TAIL
                + (cot ? "<think> ... </think>" : "<think> </think>")
                + " <answer>[{'Position': [x1, y1, x2, y2], 'Confidence': number}, ...]</answer>\n"
                + "Please strictly follow the format.";
    }

    /** LISA's grounding question for an instruction (docs/original-code.md, "Task prompts", training form). */
    public static String groundingProblem(String instruction, boolean cot) {
        return "Output the bounding box in the image corresponding to the instruction: " + instruction + " "
                + (cot ? THINK_INSTRUCTION : NO_THINK_INSTRUCTION) + " and your grouding box. Following \""
                + (cot ? "<think> thinking process </think>" : "<think> </think>")
                + "\n<answer>(x1,y1),(x2,y2)</answer>)\" format.";
    }

    /** The ground-truth solution string the rewards and evaluators read. */
    public static String solution(WorldSample s) {
        return switch (s.kind()) {
            case CLASSIFICATION -> "<answer>" + s.label().displayName() + "</answer>";
            case DETECTION -> "<answer>" + detectionAnswer(s.boxes(), "1") + "</answer>";
            case GROUNDING -> "<answer> " + groundingAnswer(s.boxes().get(0)) + " </answer>";
        };
    }

    /** The one-word reasoning of the SFT target. */
    public static String thought(WorldSample s) {
        return switch (s.kind()) {
            case CLASSIFICATION -> s.label().group();
            case DETECTION -> countWord(s.boxes().size());
            case GROUNDING -> s.label().displayName();
        };
    }

    /** The answer text of the SFT target (inside the answer tags). */
    public static String answer(WorldSample s) {
        return switch (s.kind()) {
            case CLASSIFICATION -> s.label().displayName();
            case DETECTION -> detectionAnswer(s.boxes(), TARGET_CONFIDENCE);
            case GROUNDING -> groundingAnswer(s.boxes().get(0));
        };
    }

    /** The full SFT target completion. */
    public static String completion(WorldSample s, boolean cot) {
        String thought = cot ? " " + thought(s) + " " : " ";
        return "<think>" + thought + "</think><answer>" + answer(s) + "</answer>";
    }

    /** Python-literal list of boxes as in the paper's data, or {@code No Objects} for none. */
    public static String detectionAnswer(List<PixelBox> boxes, String confidence) {
        if (boxes.isEmpty()) {
            return NO_OBJECTS;
        }
        StringJoiner list = new StringJoiner(", ", "[", "]");
        for (PixelBox b : boxes) {
            int[] n = b.normalised(Canvas.SIDE);
            list.add(String.format(Locale.ROOT, "{'Position': [%d, %d, %d, %d], 'Confidence': %s}",
                    n[0], n[1], n[2], n[3], confidence));
        }
        return list.toString();
    }

    /** LISA's {@code (x1,y1),(x2,y2)} in 0..1000 coordinates. */
    public static String groundingAnswer(PixelBox b) {
        int[] n = b.normalised(Canvas.SIDE);
        return String.format(Locale.ROOT, "(%d,%d),(%d,%d)", n[0], n[1], n[2], n[3]);
    }

    /** The count word used as detection reasoning. */
    public static String countWord(int n) {
        return n < COUNT_WORDS.length ? COUNT_WORDS[n] : "many";
    }

    /** Every count word the world can write. */
    public static List<String> countWords() {
        List<String> w = new java.util.ArrayList<>(List.of(COUNT_WORDS));
        w.add("many");
        return w;
    }
}
