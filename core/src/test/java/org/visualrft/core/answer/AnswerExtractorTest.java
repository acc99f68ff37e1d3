package org.visualrft.core.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualrft.core.geometry.Box;

class AnswerExtractorTest {
    @Test
    void answerTagsFollowPythonDotWithoutDotall() {
        assertEquals("a\rb", AnswerExtractor.answerText("<answer>a\rb</answer>"), "\\r is matched by Python's .");
        assertEquals("x\u2028y", AnswerExtractor.answerText("<answer>x\u2028y</answer>"));
        assertNull(AnswerExtractor.answerText("<answer>a\nb</answer>"));
        assertEquals("b", AnswerExtractor.answerText("<answer>a\n<answer>b</answer>"), "leftmost start that matches");
        assertEquals("a\nb", AnswerTags.search("<answer>a\nb</answer>", true));
    }

    @Test
    void detectionListsInPythonStyle() {
        DetectionAnswer a = AnswerExtractor.detection("<think>x</think><answer>[[{'Position': [1, 2, 30, 40],"
                + " 'Confidence': 0.9}, {'Position': [1.0, 2, 30, 40], 'Confidence': 0.5}, {'Position': [5, 5, 9, 9],"
                + " 'Confidence': 1}, {'Position': [1, 2, 3], 'Confidence': 1}]]</answer>");
        assertEquals(DetectionAnswer.Status.PREDICTIONS, a.status());
        assertEquals(List.of(new Prediction(1, 2, 30, 40, 0.9), new Prediction(5, 5, 9, 9, 1.0)), a.predictions());
        assertEquals(1, a.duplicates(), "[1.0, 2, 30, 40] equals [1, 2, 30, 40] as a Python tuple");
        assertEquals(1, a.malformed());
    }

    @Test
    void noObjectsUnparsableAndEmpty() {
        assertEquals(DetectionAnswer.Status.NO_OBJECTS,
                AnswerExtractor.detection("<think>x</think><answer> No Objects </answer>").status());
        assertEquals(DetectionAnswer.Status.UNPARSABLE,
                AnswerExtractor.detection("<think>x</think><answer>a cat</answer>").status());
        assertEquals(DetectionAnswer.Status.UNPARSABLE, AnswerExtractor.detection("").status());
        assertTrue(AnswerExtractor.detection("<think>x</think><answer>[]</answer>").saysNothing());
        assertEquals(DetectionAnswer.Status.NO_OBJECTS,
                AnswerExtractor.detectionSolution("<answer>No Objects</answer>").status());
    }

    @Test
    void truncatedListIsRepairedAtTheLastCompleteElement() {
        DetectionAnswer a = AnswerExtractor.detection("<answer>[{'Position': [1, 2, 3, 4], 'Confidence': 0.5},"
                + " {'Position': [5, 6</answer>");
        assertEquals(List.of(new Prediction(1, 2, 3, 4, 0.5)), a.predictions());
    }

    @Test
    void evaluationReadingAcceptsMultiLineListsAndEllipsis() {
        String response = "<think>x</think><answer>\n[{'Position': [1, 2, 3, 4], 'Confidence': 0.5}, ...]\n</answer>";
        assertEquals(DetectionAnswer.Status.UNPARSABLE, AnswerExtractor.detection(response).status());
        assertEquals(List.of(new Prediction(1, 2, 3, 4, 0.5)),
                AnswerExtractor.detectionForEvaluation(response).predictions());
    }

    @Test
    void classificationAndGrounding() {
        ClassificationAnswer c = AnswerExtractor.classification("<think>x</think><answer>\u00a0rose\u3000</answer>");
        assertEquals(new ClassificationAnswer("rose", true), c);
        assertFalse(AnswerExtractor.classification("rose").tagged());
        GroundingAnswer g = AnswerExtractor.grounding("<think>t</think><answer>\n(10, 20),( 30,40 ) and"
                + " (\u0661\u0662,\u0663)\u3000,(\uff14,\uff15)</answer>");
        assertEquals(List.of(new Box(10, 20, 30, 40), new Box(12, 3, 4, 5)), g.boxes());
        assertEquals(new Box(10, 20, 30, 40), g.first());
        assertTrue(AnswerExtractor.grounding("(1.5,2),(3,4)").boxes().isEmpty(), "non-integers do not match");
        assertTrue(AnswerExtractor.grounding("(-1,2),(3,4)").boxes().isEmpty(), "negatives do not match");
    }

    @Test
    void pythonWhitespaceAndLowercase() {
        assertEquals("x", PythonText.strip("\u001c\u0085x\u2029\u202f"));
        assertEquals("\u200bx\ufeff", PythonText.strip("\u200bx\ufeff"), "not whitespace in Python");
        assertEquals("k", PythonText.lower("\u212a"));
        assertEquals("i\u0307", PythonText.lower("\u0130"));
        assertEquals("ας", PythonText.lower("ΑΣ"), "final sigma");
        assertEquals("aς1", PythonText.lower("AΣ1"), "CPython: a digit after sigma ends the word");
        assertEquals("a'ς", PythonText.lower("A'Σ"), "apostrophes are case-ignorable");
        assertEquals("aσa", PythonText.lower("AΣa"));
        assertEquals("1σ", PythonText.lower("1Σ"));
        assertEquals(0x2c5f, PythonText.lower("\u2c2f").codePointAt(0), "Unicode 14 mapping Java 17 lacks");
        assertEquals(7, PythonText.decimalValue(0x16AC7), "Unicode 14 digit CPython 3.11 knows");
        assertFalse(PythonText.contains("\ud83d\ude00", "\ud83d"), "no match inside a surrogate pair");
    }
}
