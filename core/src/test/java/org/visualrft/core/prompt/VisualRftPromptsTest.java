package org.visualrft.core.prompt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The paper's strings, character for character (docs/original-code.md, "Task prompts"), and the chain-of-thought ablation variants. */
class VisualRftPromptsTest {
    @Test
    void detectionPromptIsThePapersString() {
        assertEquals("Detect all objects belonging to the category 'stop sign' in the image, and provide the bounding"
                + " boxes (between 0 and 1000, integer) and confidence (between 0 and 1, with two decimal places).\n"
                + "If no object belonging to the category 'stop sign' in the image, return 'No Objects'.\n"
                + "Output the thinking process in <think> </think> and final answer in <answer> </answer> tags.The"
                + " output answer format should be as follows:\n<think> ... </think> <answer>[{'Position': [x1, y1,"
                + " x2, y2], 'Confidence': number}, ...]</answer>\nPlease strictly follow the format.",
                VisualRftPrompts.detection("stop sign", true));
        assertEquals(VisualRftPrompts.detection("horse_buggy", true), VisualRftPrompts.openVocabulary("horse_buggy", true));
    }

    @Test
    void classificationPrompts() {
        assertEquals("This is an image containing a plant. Please identify the species of the plant based on the image."
                + "\nOutput the thinking process in <think> </think> and final answer in <answer> </answer> tags.The"
                + " output answer format should be as follows:\n<think> ... </think> <answer>species name</answer>\n"
                + "Please strictly follow the format.", VisualRftPrompts.classification(ClassificationDataset.FLOWERS102,
                true));
        assertTrue(VisualRftPrompts.classification(ClassificationDataset.FGVC_AIRCRAFT, true)
                .startsWith("This is an image containing an aircraft. Please identify the model of the aircraft based"
                        + " on the image.\n"));
        assertTrue(ClassificationDataset.FLOWERS102.quotedFromSource());
        assertFalse(ClassificationDataset.PETS37.quotedFromSource());
    }

    @Test
    void lisaTrainingAndEvaluationDifferByTheDot() {
        String tail = "Output the thinking process in <think> </think> and your grouding box. Following \"<think>"
                + " thinking process </think>\n<answer>(x1,y1),(x2,y2)</answer>)\" format.";
        assertEquals("Output the bounding box in the image corresponding to the instruction: the red cup " + tail,
                VisualRftPrompts.lisaTraining("the red cup", true));
        assertEquals("Output the bounding box in the image corresponding to the instruction: the red cup. " + tail,
                VisualRftPrompts.lisaEvaluation("the red cup", true));
        assertTrue(VisualRftPrompts.R1_SYSTEM_PROMPT.endsWith("<think> reasoning process here </think><answer> answer"
                + " here </answer>"));
    }

    /** The LISA protocol asks a training record with the script's text: the instruction found in the template. */
    @Test
    void aTrainingQuestionBecomesTheEvaluationScriptsQuestion() {
        for (boolean cot : new boolean[] {true, false}) {
            for (String instruction : new String[] {"the red cup", "", "why is the sky blue? Output your"}) {
                assertEquals(VisualRftPrompts.lisaEvaluation(instruction, cot),
                        VisualRftPrompts.lisaEvaluationOf(VisualRftPrompts.lisaTraining(instruction, cot)));
            }
        }
        String other = "Where is the red cup? Output (x1,y1),(x2,y2).";
        assertEquals(other, VisualRftPrompts.lisaEvaluationOf(other));
    }

    @Test
    void withoutChainOfThoughtNoThinkingIsAskedFor() {
        for (String p : new String[] {VisualRftPrompts.detection("cat", false),
            VisualRftPrompts.classification(ClassificationDataset.CARS196, false),
            VisualRftPrompts.lisaTraining("x", false), VisualRftPrompts.lisaEvaluation("x", false)}) {
            assertFalse(p.contains("<think>"), p);
            assertTrue(p.contains("<answer>"), p);
        }
        assertTrue(VisualRftPrompts.detection("cat", false).endsWith("<answer>[{'Position': [x1, y1, x2, y2],"
                + " 'Confidence': number}, ...]</answer>\nPlease strictly follow the format."));
    }

    /** The evaluation scripts' user text: a literal "<image>" line, then the question (training prompts lack it). */
    @Test
    void evaluationQuestionHasTheImageLineFirst() {
        String q = VisualRftPrompts.detection("cat", true);
        assertEquals("<image>\n" + q, VisualRftPrompts.evaluationQuestion(q));
        assertFalse(q.contains("<image>"));
    }
}
