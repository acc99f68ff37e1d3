package org.visualrft.core.prompt;

/**
 * The prompts of Visual-RFT, character for character (note the missing space in {@code tags.The}, the typo
 * {@code grouding} and the stray {@code )} — they are what the models were trained on). Each comes with and without
 * the chain-of-thought instruction ({@code cot}), for the paper's reasoning ablation; the variants without it are our
 * construction (the paper does not print them): the same text with the {@code <think>} part removed.
 */
public final class VisualRftPrompts {
    /** The R1 system prompt, used by the LISA evaluation (training images use Qwen's default system turn). */
    public static final String R1_SYSTEM_PROMPT = "A conversation between User and Assistant. The user asks a question,"
            + " and the Assistant solves it. The assistant first thinks about the reasoning process in the mind and then"
            + " provides the user with the answer. The reasoning process and answer are enclosed within <think> </think>"
            + " and <answer> </answer> tags, respectively, i.e., <think> reasoning process here </think><answer> answer"
            + " here </answer>";

    /** What the evaluation scripts put before the question: a literal {@code <image>} line. */
    public static final String EVALUATION_PREFIX = "<image>\n";

    /** The user text of the evaluation scripts for {@code question}: {@link #EVALUATION_PREFIX} before it. */
    public static String evaluationQuestion(String question) {
        return EVALUATION_PREFIX + question;
    }

    private static final String COT_TAIL = "Output the thinking process in <think> </think> and final answer in"
            + " <answer> </answer> tags.The output answer format should be as follows:\n<think> ... </think> ";
    private static final String NO_COT_TAIL = "Output the final answer in <answer> </answer> tags."
            + "The output answer format should be as follows:\n";
    private static final String STRICT = "\nPlease strictly follow the format.";

    private VisualRftPrompts() {
    }

    /**
     * Detection (COCO / LVIS few-shot and open-vocabulary; the category name as the dataset spells it, e.g.
     * {@code stop sign} or LVIS {@code horse_buggy}).
     */
    public static String detection(String category, boolean cot) {
        return "Detect all objects belonging to the category '" + category + "' in the image, and provide the bounding"
                + " boxes (between 0 and 1000, integer) and confidence (between 0 and 1, with two decimal places).\n"
                + "If no object belonging to the category '" + category + "' in the image, return 'No Objects'.\n"
                + (cot ? COT_TAIL : NO_COT_TAIL)
                + "<answer>[{'Position': [x1, y1, x2, y2], 'Confidence': number}, ...]</answer>" + STRICT;
    }

    /** Open-vocabulary detection uses the detection prompt with the novel category's name. */
    public static String openVocabulary(String category, boolean cot) {
        return detection(category, cot);
    }

    /** Fine-grained classification. */
    public static String classification(ClassificationDataset dataset, boolean cot) {
        return dataset.question() + "\n" + (cot ? COT_TAIL : NO_COT_TAIL) + "<answer>species name</answer>" + STRICT;
    }

    /** LISA reasoning grounding, training ({@code grpo_lisa.py}; no system prompt). */
    public static String lisaTraining(String instruction, boolean cot) {
        return LISA_QUESTION + instruction + " " + lisaTail(cot);
    }

    /** LISA reasoning grounding, evaluation (with {@link #R1_SYSTEM_PROMPT}; note the extra {@code ". "}). */
    public static String lisaEvaluation(String instruction, boolean cot) {
        return LISA_QUESTION + instruction + ". " + lisaTail(cot);
    }

    private static final String LISA_QUESTION = "Output the bounding box in the image corresponding to the instruction: ";

    /**
     * The evaluation script's user text for a record whose question is the training text ({@link #lisaTraining}, with
     * or without the thinking part): the same instruction in {@link #lisaEvaluation}; any other question as it is.
     */
    public static String lisaEvaluationOf(String problem) {
        for (boolean cot : new boolean[] {true, false}) {
            String tail = " " + lisaTail(cot);
            if (problem.startsWith(LISA_QUESTION) && problem.endsWith(tail)
                    && problem.length() >= LISA_QUESTION.length() + tail.length()) {
                return lisaEvaluation(problem.substring(LISA_QUESTION.length(), problem.length() - tail.length()), cot);
            }
        }
        return problem;
    }

    private static String lisaTail(boolean cot) {
        return cot
                ? "Output the thinking process in <think> </think> and your grouding box. Following \"<think> thinking"
                        + " process </think>\n<answer>(x1,y1),(x2,y2)</answer>)\" format."
                : "Output your grouding box. Following \"<answer>(x1,y1),(x2,y2)</answer>)\" format.";
    }
}
