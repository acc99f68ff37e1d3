package org.visualrft.train;

import java.util.Map;
import java.util.function.UnaryOperator;
import org.visualrft.core.prompt.VisualRftPrompts;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.Task;
import org.visualrft.train.data.TrainingExample;

/**
 * How {@code visual-rft evaluate} asks and decodes when the user does not say otherwise. {@link #DEFAULT}: the question
 * as the dataset has it, greedy answers of up to 256 tokens (as a training run's in-loop evaluation), strict rewards.
 * {@link #VISUAL_RFT}: as the paper's released evaluation scripts did it: a literal {@code <image>} line before the
 * question, decoding from the model folder's {@code generation_config.json} as Hugging Face {@code generate} does, up
 * to 1024 new tokens (grounding, as the LISA script: 128) and the original code's reward rules ({@code visual-rft}
 * mode, whose classification rule is the scripts'). Grounding records are asked and read as the LISA script
 * ({@code Qwen2_VL_lisa_infere.py}) does: after the R1 system prompt, the training question rewritten to the script's
 * text ({@link VisualRftPrompts#lisaEvaluationOf}) with no {@code <image>} line, and the box read from the whole
 * decoded text ({@link #decodedText}).
 */
public enum EvaluationProtocol {
    DEFAULT("default", null, false, 256, Map.of(), RewardMode.STRICT),
    VISUAL_RFT("visual-rft", VisualRftPrompts::evaluationQuestion, true, 1024, Map.of(Task.GROUNDING, 128),
            RewardMode.VISUAL_RFT);

    private final String id;
    private final UnaryOperator<String> question;
    private final boolean generationConfig;
    private final int maxNewTokens;
    private final Map<Task, Integer> taskMaxNewTokens;
    private final RewardMode rewardMode;

    EvaluationProtocol(String id, UnaryOperator<String> question, boolean generationConfig, int maxNewTokens,
            Map<Task, Integer> taskMaxNewTokens, RewardMode rewardMode) {
        this.id = id;
        this.question = question;
        this.generationConfig = generationConfig;
        this.maxNewTokens = maxNewTokens;
        this.taskMaxNewTokens = taskMaxNewTokens;
        this.rewardMode = rewardMode;
    }

    public String id() {
        return id;
    }

    /** What is done to each question before it is asked (null: nothing). */
    public UnaryOperator<String> question() {
        return question;
    }

    /**
     * {@code ex} as this protocol asks it: the question edited ({@link #question()}; under {@code visual-rft} a
     * grounding record gets the LISA script's text and the R1 system prompt instead) and {@code system} as its system
     * message when given (null: the protocol's, which is none except for the LISA script's grounding records).
     */
    public TrainingExample ask(TrainingExample ex, String system) {
        return ask(ex, system, true);
    }

    /**
     * As {@link #ask(TrainingExample, String)} for a model with or without a system turn ({@code systemTurn}): the
     * built-in model has none, so the protocol's own R1 system prompt is left out for it (a {@code system} given
     * explicitly is still asked for, and refused by the model).
     */
    public TrainingExample ask(TrainingExample ex, String system, boolean systemTurn) {
        TrainingExample asked = ex;
        String sys = system;
        if (this == VISUAL_RFT && ex.task() == Task.GROUNDING) {
            asked = ex.withQuestion(VisualRftPrompts::lisaEvaluationOf);
            sys = system != null || !systemTurn ? system : VisualRftPrompts.R1_SYSTEM_PROMPT;
        } else if (question != null) {
            asked = ex.withQuestion(question);
        }
        return sys == null ? asked : asked.withSystem(sys);
    }

    /** Whether grounding boxes are read as the LISA script reads them: from the whole decoded text. */
    public boolean readsGroundingFromDecodedText() {
        return this == VISUAL_RFT;
    }

    /**
     * What the LISA script searches for the box: {@code batch_decode(generate(...), skip_special_tokens=True)}, the
     * prompt and the answer decoded together without control tokens. For the Qwen chat template that is the text
     * between them: {@code system\n{system}\nuser\n{question}\nassistant\n{answer}} (the image's tokens are control
     * tokens too). Only a box written in the system text or the question could come before the answer's.
     */
    public static String decodedText(String system, String question, String answer) {
        return (system == null ? "" : "system\n" + system + "\n") + "user\n" + question + "\nassistant\n" + answer;
    }

    /**
     * The box the LISA script reads for {@code asked} (as {@link #ask} asked it) and its {@code answer}: the first
     * {@code (x1,y1),(x2,y2)} of the {@link #decodedText}, divided by 1000; null when there is none (IoU 0).
     */
    public static org.visualrft.core.geometry.Box lisaBox(TrainingExample asked, String answer) {
        return org.visualrft.core.eval.answers.GroundingIou.firstBoxInText(decodedText(asked.prompt().system(),
                asked.prompt().text(), answer));
    }

    /** Whether answers decode with the model folder's generation_config.json (false: greedy). */
    public boolean usesGenerationConfig() {
        return generationConfig;
    }

    /** The token limit of an answer. */
    public int maxNewTokens() {
        return maxNewTokens;
    }

    /** Tasks whose answers have a limit of their own (replacing {@link #maxNewTokens()}). */
    public Map<Task, Integer> taskMaxNewTokens() {
        return taskMaxNewTokens;
    }

    public RewardMode rewardMode() {
        return rewardMode;
    }

    /** {@code default} or {@code visual-rft}; null for anything else. */
    public static EvaluationProtocol parseOrNull(String s) {
        for (EvaluationProtocol p : values()) {
            if (p.id.equals(s)) {
                return p;
            }
        }
        return null;
    }
}
