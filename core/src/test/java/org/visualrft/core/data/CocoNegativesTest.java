package org.visualrft.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;

/**
 * {@link CocoNegatives#draw} builds only the chosen negatives, and must choose exactly what {@link KShotSplit} chooses
 * from every candidate built ({@link CocoNegatives#candidates}, the way build-dataset drew them before): the same
 * samples in the same order and the same manifest, on every COCO-style case shipped in the fixtures.
 */
class CocoNegativesTest {
    private static final Function<String, String> PROMPT = c -> "find " + c;

    private static List<Path> cases() throws IOException {
        Path root = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("coco");
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("gt.json"))).sorted().toList();
        }
    }

    private static void assertSameDraw(CocoGroundTruth gt, Set<Long> cats, int k, long seed, String what) {
        Path root = Path.of("/images");
        KShotSplit.Result before = KShotSplit.build(CocoNegatives.candidates(gt, cats, root, PROMPT),
                s -> s.columns().get("label"), k, seed, "gt.json");
        KShotSplit.Result now = CocoNegatives.draw(gt, cats, root, PROMPT, k, seed, "gt.json");
        assertEquals(before.samples(), now.samples(), what);
        assertEquals(before.manifest(), now.manifest(), what);
    }

    @Test
    void drawsWhatKShotSplitDrawsFromEveryCandidate() throws IOException {
        List<Path> cases = cases();
        assertFalse(cases.isEmpty(), "no COCO cases under the fixtures");
        for (Path c : cases) {
            CocoGroundTruth gt = CocoGroundTruth.read(c.resolve("gt.json"));
            Set<Long> all = new HashSet<>();
            gt.categories().forEach(x -> all.add(x.id()));
            Set<Long> one = Set.of(gt.categories().get(0).id());
            for (long seed : new long[] {0, 5, -7}) {
                for (int k : new int[] {1, 3, 1_000_000}) {
                    assertSameDraw(gt, all, k, seed, c + " all, seed " + seed + ", k " + k);
                    assertSameDraw(gt, one, k, seed, c + " one, seed " + seed + ", k " + k);
                }
            }
        }
    }

    /** LVIS's federated lists, a category with no negative, and two categories sharing a name (one class). */
    @Test
    void federatedListsEmptyPoolsAndSharedNamesDrawTheSame() {
        List<CocoImage> images = new ArrayList<>();
        for (long id = 9; id >= 1; id--) { // listed out of order
            images.add(new CocoImage(id, 10, 10, id + ".jpg", null, id % 2 == 0 ? List.of(1L, 3L) : List.of(3L),
                    List.of()));
        }
        List<CocoCategory> cats = List.of(new CocoCategory(3, "cat", null), new CocoCategory(1, "cat", null),
                new CocoCategory(2, "dog", null));
        CocoGroundTruth lvis = new CocoGroundTruth(images, cats, List.of());
        for (long seed = 0; seed < 5; seed++) {
            assertSameDraw(lvis, Set.of(1L, 2L, 3L), 4, seed, "seed " + seed);
        }
        KShotSplit.Result r = CocoNegatives.draw(lvis, Set.of(1L, 2L, 3L), Path.of("/i"), PROMPT, 100, 1, "x");
        assertEquals(Set.of("cat/No Objects"), r.manifest().classes().keySet(), "dog has no negative");
        assertEquals(9 + 4, r.samples().size());
        assertTrue(r.samples().stream().allMatch(s -> s.solution().equals(CocoNegatives.SOLUTION)));
    }
}
