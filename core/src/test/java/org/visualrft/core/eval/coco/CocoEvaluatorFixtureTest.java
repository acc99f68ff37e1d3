package org.visualrft.core.eval.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every case of fixtures/coco against pycocotools 2.0.11's own numbers, within 1e-12. */
class CocoEvaluatorFixtureTest {
    private static final double TOL = 1e-12;

    static Stream<Path> cases() throws IOException {
        return CocoFixtures.cases().stream();
    }

    @Test
    void fixturesArePresent() throws IOException {
        assertTrue(CocoFixtures.cases().size() >= 7, "expected the 7 COCO oracle cases under " + CocoFixtures.root());
    }

    /** A subset naming a category twice weighed it twice in the mean, silently; now it is refused. */
    @Test
    void subsetMeanRefusesACategoryListedTwice() throws IOException {
        Path dir = CocoFixtures.cases().get(0);
        CocoEvalResult r = new CocoEvaluator().evaluate(CocoGroundTruth.read(dir.resolve("gt.json")),
                CocoResultsReader.read(dir.resolve("dt.json")), "dt.json");
        long id = CocoFixtures.expected(dir).subset().get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.subsetMeanAp(List.of(id, id)));
        assertEquals("category " + id + " is listed twice", e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesPycocotools(Path dir) throws IOException {
        CocoFixtures.Expected want = CocoFixtures.expected(dir);
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("gt.json"));
        List<CocoDetection> dt = CocoResultsReader.read(dir.resolve("dt.json"));
        for (boolean parallel : new boolean[] {false, true}) {
            CocoEvalResult r = new CocoEvaluator(CocoEvalParams.defaults(), parallel).evaluate(gt, dt, "dt.json");
            double[] stats = r.stats();
            assertEquals(12, stats.length);
            for (int i = 0; i < 12; i++) {
                assertEquals(want.stats()[i], stats[i], TOL, dir.getFileName() + " stats[" + i + "]");
            }
            Map<Long, Double> ap = r.perCategoryAp();
            assertEquals(want.perCategoryAp().keySet(), ap.keySet());
            for (Map.Entry<Long, Double> e : want.perCategoryAp().entrySet()) {
                assertEquals(e.getValue(), ap.get(e.getKey()), TOL, dir.getFileName() + " AP of " + e.getKey());
            }
            assertFalse(want.subset().isEmpty());
            assertEquals(want.subsetMeanAp(), r.subsetMeanAp(want.subset()), TOL, dir.getFileName() + " subset");
        }
    }
}
