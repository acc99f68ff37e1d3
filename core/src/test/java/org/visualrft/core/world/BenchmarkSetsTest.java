package org.visualrft.core.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BenchmarkSetsTest {
    @Test
    void heldOutSetsAreBalancedAndSized() {
        HeldOutSets sets = HeldOutSets.build(EvalSizes.SMALL, 1);
        assertEquals(4 * EvalSizes.SMALL.hardPerClass(), sets.hardClassification().size());
        assertEquals(6 * EvalSizes.SMALL.otherPerClass(), sets.otherClassification().size());
        for (FashionClass c : WorldRoles.HARD_CLASSES) {
            assertEquals(EvalSizes.SMALL.hardPerClass(),
                    sets.hardClassification().stream().filter(s -> s.label() == c).count());
        }
        long neg = sets.fewShotDetection().stream().filter(WorldSample::isNegative).count();
        assertEquals(0.4, neg / (double) sets.fewShotDetection().size(), 0.03);
        assertTrue(sets.fewShotDetection().stream().allMatch(s -> WorldRoles.FEW_SHOT_DETECTION.contains(s.label())));
        assertTrue(sets.novelDetection().stream().allMatch(s -> WorldRoles.NOVEL_DETECTION.contains(s.label())));
        assertTrue(sets.baseDetection().stream().allMatch(s -> WorldRoles.BASE_DETECTION.contains(s.label())));
        Set<String> ids = new HashSet<>();
        for (List<WorldSample> l : List.of(sets.hardClassification(), sets.fewShotDetection(), sets.grounding())) {
            l.forEach(s -> assertTrue(ids.add(s.id()), "duplicate id " + s.id()));
        }
    }

    @Test
    void heldOutClassificationItemsAreDistinct() {
        HeldOutSets sets = HeldOutSets.build(EvalSizes.LARGE, 2);
        Set<Integer> items = new HashSet<>();
        sets.hardClassification().forEach(s -> assertTrue(items.add(s.scene().get(0).itemIndex())));
        assertEquals(1000, items.size());
    }

    @Test
    void sameSeedSameSetsOtherSeedOtherSets() {
        HeldOutSets a = HeldOutSets.build(EvalSizes.SMALL, 3);
        HeldOutSets b = HeldOutSets.build(EvalSizes.SMALL, 3);
        HeldOutSets c = HeldOutSets.build(EvalSizes.SMALL, 4);
        for (int i = 0; i < a.grounding().size(); i++) {
            assertArrayEquals(a.grounding().get(i).pixels(), b.grounding().get(i).pixels());
            assertEquals(a.grounding().get(i).instruction(), b.grounding().get(i).instruction());
        }
        assertNotEquals(WorldText.solution(a.fewShotDetection().get(0)), WorldText.solution(c.fewShotDetection().get(0)));
    }

    @Test
    void kShotDrawsHaveKDistinctItemsPerClassAndDifferBySeed() {
        KShotDraws draws = KShotDraws.shipped();
        List<WorldSample> one = draws.classification(4, 0);
        assertEquals(16, one.size());
        assertEquals(16, one.stream().map(s -> s.scene().get(0).itemIndex()).distinct().count());
        assertEquals(one.stream().map(WorldSample::id).toList(),
                draws.classification(4, 0).stream().map(WorldSample::id).toList());
        assertNotEquals(one.stream().map(s -> s.scene().get(0).itemIndex()).toList(),
                draws.classification(4, 1).stream().map(s -> s.scene().get(0).itemIndex()).toList());
        List<WorldSample> det = draws.detection(WorldRoles.FEW_SHOT_DETECTION, 2, 1, 0, "shot-det");
        assertEquals(6, det.size());
        assertEquals(2, det.stream().filter(WorldSample::isNegative).count());
        assertEquals(5, draws.grounding(5, 0).size());
    }

    @Test
    void corpusCoversEveryClassCountWordAndCoordinate() {
        List<String> texts = WorldCorpus.texts();
        String all = String.join("\n", texts);
        for (String name : FashionClass.names()) {
            assertTrue(all.contains("'" + name + "'"), name);
            assertTrue(all.contains("<answer>" + name + "</answer>"), name);
        }
        assertTrue(all.contains("No Objects"));
        assertTrue(!all.contains("null"));
        List<String> words = WorldCorpus.variableWords();
        assertTrue(words.contains("1000") && words.contains("18") && words.contains("0"));
        assertEquals(5 * 10 + 2, WorldCorpus.instructions().size());
    }

    @Test
    void everyQuestionIsMadeOfFixedPiecesAndVariableWords() {
        List<String> pieces = new java.util.ArrayList<>(WorldCorpus.fixedPieces());
        pieces.sort((a, b) -> b.length() - a.length());
        int checked = 0;
        for (String text : WorldCorpus.texts()) {
            if (!text.startsWith("Detect") && !text.startsWith("This is") && !text.startsWith("Output the bounding")) {
                continue;
            }
            String rest = text;
            for (String p : pieces) {
                rest = rest.replace(p, "");
            }
            assertEquals("", rest.replace("the item", "").trim(), text);
            checked++;
        }
        assertTrue(checked > 50);
    }
}
