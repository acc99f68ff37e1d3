package org.visualrft.core.world;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class TasksTest {
    private static final Pattern FORMAT = Pattern.compile("<think>.*?</think>\\s*<answer>.*?</answer>", Pattern.DOTALL);
    private final WorldSampler world = WorldSampler.shipped(FashionSplit.TRAIN);

    @Test
    void detectionNegativesHaveNoBoxesAndTheRateIsAsAsked() {
        SplittableRandom rng = new SplittableRandom(4);
        int negatives = 0;
        int n = 2000;
        for (int i = 0; i < n; i++) {
            WorldSample s = world.pretraining(TaskKind.DETECTION, "d" + i, rng);
            boolean present = s.scene().stream().anyMatch(p -> p.cls() == s.label());
            assertEquals(present, !s.boxes().isEmpty());
            assertEquals(s.scene().stream().filter(p -> p.cls() == s.label()).count(), s.boxes().size());
            assertFalse(WorldRoles.NOVEL_DETECTION.contains(s.label()), "novel categories are never queried");
            if (s.isNegative()) {
                negatives++;
                assertTrue(WorldText.solution(s).equals("<answer>No Objects</answer>"));
            }
        }
        assertEquals(WorldRoles.NEGATIVE_RATE, negatives / (double) n, 0.03);
    }

    @Test
    void emptyScenesAndSingleCategoryWeightsNeverFail() {
        SceneSpec sparse = new SceneSpec(0, 1, 16, 28, 0.05, 0.0);
        WorldSampler w = new WorldSampler(FashionItems.shipped(FashionSplit.TRAIN), sparse);
        ClassWeights onlyBag = ClassWeights.uniform(EnumSet.of(FashionClass.BAG));
        SplittableRandom rng = new SplittableRandom(5);
        int empty = 0;
        for (int i = 0; i < 300; i++) {
            WorldSample s = w.detection().sample("e" + i, onlyBag, 0.5, rng);
            assertEquals(FashionClass.BAG, s.label());
            empty += s.scene().isEmpty() ? 1 : 0;
            assertTrue(FORMAT.matcher(WorldText.completion(s, true)).matches());
        }
        assertTrue(empty > 30, "empty scenes occur: " + empty);
    }

    @Test
    void detectionAnswersAreSortedAndJsonAfterQuoteSwap() {
        SplittableRandom rng = new SplittableRandom(6);
        for (int i = 0; i < 300; i++) {
            WorldSample s = world.detection().of("p" + i, FashionClass.COAT, true, rng);
            List<PixelBox> b = s.boxes();
            for (int j = 1; j < b.size(); j++) {
                assertTrue(b.get(j - 1).x1() <= b.get(j).x1());
            }
            String sol = WorldText.solution(s);
            assertTrue(sol.startsWith("<answer>[{'Position': ["), sol);
            assertTrue(sol.endsWith("'Confidence': 1}]</answer>"), sol);
            assertEquals(b.size(), sol.split("Position").length - 1);
            assertTrue(WorldText.completion(s, true).startsWith("<think> " + WorldText.countWord(b.size()) + " </think>"));
        }
    }

    @Test
    void someScenesHaveSeveralBoxesOfTheQueriedClass() {
        SplittableRandom rng = new SplittableRandom(7);
        int multi = 0;
        for (int i = 0; i < 300; i++) {
            multi += world.detection().of("m" + i, FashionClass.DRESS, true, rng).boxes().size() > 1 ? 1 : 0;
        }
        assertTrue(multi > 30 && multi < 200, "multi-box answers: " + multi);
    }

    @Test
    void groundingInstructionsPickOutExactlyTheTarget() {
        SplittableRandom rng = new SplittableRandom(8);
        int relational = 0;
        for (int i = 0; i < 500; i++) {
            WorldSample s = world.grounding().sample("g" + i, rng);
            assertEquals(1, s.boxes().size());
            PixelBox target = s.boxes().get(0);
            String ins = s.instruction();
            List<PlacedItem> items = s.scene();
            assertTrue(items.stream().anyMatch(p -> p.box().equals(target) && p.cls() == s.label()));
            // independent re-check of the relation from the instruction text
            for (PlacedItem anchor : items) {
                String a = anchor.cls().displayName();
                if (ins.equals("the item to the left of the " + a)) {
                    relational++;
                    List<PlacedItem> left = items.stream().filter(p -> p.box().x2() <= anchor.box().x1()).toList();
                    assertEquals(1, left.size(), ins);
                    assertEquals(target, left.get(0).box());
                }
                if (ins.equals("the item below the " + a)) {
                    relational++;
                    List<PlacedItem> below = items.stream().filter(p -> p.box().y1() >= anchor.box().y2()).toList();
                    assertEquals(1, below.size(), ins);
                    assertEquals(target, below.get(0).box());
                }
            }
            if (ins.equals("the largest item")) {
                for (PlacedItem p : items) {
                    assertTrue(p.box().equals(target) || p.box().area() < target.area());
                }
            }
            String sol = WorldText.solution(s);
            assertTrue(sol.matches("<answer> \\(\\d+,\\d+\\),\\(\\d+,\\d+\\) </answer>"), sol);
            assertTrue(FORMAT.matcher(WorldText.completion(s, false)).matches());
        }
        assertTrue(relational > 50, "relational instructions used: " + relational);
    }

    @Test
    void sameSeedSameExamples() {
        for (TaskKind kind : TaskKind.values()) {
            WorldSample a = world.pretraining(kind, "x", new SplittableRandom(9));
            WorldSample b = world.pretraining(kind, "x", new SplittableRandom(9));
            assertArrayEquals(a.pixels(), b.pixels());
            assertEquals(WorldText.problem(a, true), WorldText.problem(b, true));
            assertEquals(WorldText.completion(a, true), WorldText.completion(b, true));
        }
    }

    @Test
    void classificationUnderSamplesTheHardGroup() {
        SplittableRandom rng = new SplittableRandom(10);
        int hard = 0;
        for (int i = 0; i < 3000; i++) {
            hard += WorldRoles.HARD_CLASSES.contains(world.pretraining(TaskKind.CLASSIFICATION, "c", rng).label()) ? 1 : 0;
        }
        // expected share 4·0.15 / (6 + 4·0.15) = 0.091
        assertEquals(0.091, hard / 3000.0, 0.02);
    }

    @Test
    void promptsFollowThePaperTemplates() {
        WorldSample det = world.detection().of("t", FashionClass.ANKLE_BOOT, false, new SplittableRandom(11));
        String p = WorldText.problem(det, true);
        assertTrue(p.startsWith("Detect all objects belonging to the category 'Ankle boot' in the image, and provide"));
        assertTrue(p.contains("tags.The output answer format should be as follows:\n<think> ... </think> <answer>[{"));
        assertTrue(p.endsWith("Please strictly follow the format."));
        assertTrue(WorldText.problem(det, false).contains("Output an empty <think> </think>"));
        assertEquals("<think> </think><answer>No Objects</answer>", WorldText.completion(det, false));
        WorldSample cls = world.classification().of("c", 0);
        assertEquals("<answer>" + cls.label().displayName() + "</answer>", WorldText.solution(cls));
    }
}
