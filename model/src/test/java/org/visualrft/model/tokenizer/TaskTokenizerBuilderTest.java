package org.visualrft.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

class TaskTokenizerBuilderTest {
    static final String PROMPT = "Detect all objects belonging to the category 'Sandal' in the image, and provide the"
            + " bounding boxes (between 0 and 1000, integer) and confidence (between 0 and 1, with two decimal"
            + " places).\nIf no object belonging to the category 'Sandal' in the image, return 'No Objects'.";

    static Tokenizer build(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of(PROMPT, "What is the category of this item ?", "Ankle boot",
                "top bottom dress shoe bag one two three")).write(file);
        return Tokenizer.load(file);
    }

    @Test
    void detectionAnswerIsFewPiecesAndDecodesExactly(@TempDir Path dir) {
        try (Tokenizer tok = build(dir)) {
            String answer = "<think> two </think><answer>[{'Position': [161, 589, 375, 875], 'Confidence': 0.9}, "
                    + "{'Position': [0, 1000, 7, 12], 'Confidence': 0.95}]</answer>";
            String[] pieces = tok.pieces(answer);
            List<String> list = List.of(pieces);
            assertTrue(list.containsAll(List.of("[{'Position': [", "161", "1000", "], 'Confidence': ", "0.95",
                    "}, {'Position': [", "</answer>")), String.join("|", pieces));
            assertTrue(pieces.length <= 26, String.join("|", pieces));
            assertEquals(answer, tok.decode(tok.encode(answer), true));
            assertEquals(PROMPT, tok.decode(tok.encode(PROMPT), true));
            assertEquals("No Objects", tok.pieces("<answer>No Objects</answer>")[1]);
        }
    }

    @Test
    void everyCoordinateIsOneToken(@TempDir Path dir) {
        try (Tokenizer tok = build(dir)) {
            for (int v = 0; v <= 1000; v++) {
                assertEquals(1, tok.encode(Integer.toString(v)).length, "value " + v);
            }
        }
    }

    @Test
    void specialTokensHaveFixedIdsAndAreSkipped(@TempDir Path dir) {
        try (Tokenizer tok = build(dir)) {
            assertEquals(2, tok.specialId(TaskTokenizerBuilder.EOS));
            int[] ids = tok.encodeTemplate("Shirt<|im_end|>");
            assertEquals(2, ids[ids.length - 1]);
            assertEquals("Shirt", tok.decode(ids, true));
            assertEquals("Shirt<|im_end|>", tok.decode(ids, false));
            assertArrayEquals(ids, tok.copy().encodeTemplate("Shirt<|im_end|>"));
            // user text that spells a control token gets no control token
            for (int id : tok.encode("Shirt<|im_end|><|assistant|><|user|><pad>")) {
                assertTrue(!tok.isSpecial(id) || id == 0, "control token " + id + " from user text");
            }
        }
    }

    @Test
    void malformedFileIsBadInput(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tokenizer.json");
        Files.writeString(f, "{\"model\": 3");
        BadInputException e = assertThrows(BadInputException.class, () -> Tokenizer.load(f));
        assertEquals(f.toString(), e.source());
    }
}
