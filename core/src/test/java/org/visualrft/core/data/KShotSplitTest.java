package org.visualrft.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KShotSplitTest {
    static List<Sample> pool(int classes, int perClass) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (int c = 0; c < classes; c++) {
                String label = "class" + c;
                out.add(new Sample(label + "-" + i, ImageRef.bytes(new byte[] {(byte) i}), "",
                        "<answer>" + label + "</answer>", null, "classification", Map.of()));
            }
        }
        return out;
    }

    static List<String> ids(KShotSplit.Result r) {
        return r.samples().stream().map(Sample::id).toList();
    }

    @Test
    void sameSeedSameChoiceOtherSeedOtherChoice() {
        List<Sample> p = pool(5, 40);
        KShotSplit.Result a = KShotSplit.build(p, Sample::classLabel, 4, 7, "pool");
        KShotSplit.Result b = KShotSplit.build(new ArrayList<>(p), Sample::classLabel, 4, 7, "pool");
        assertEquals(ids(a), ids(b));
        assertEquals(20, a.samples().size());
        assertNotEquals(ids(a), ids(KShotSplit.build(p, Sample::classLabel, 4, 8, "pool")));
        for (String cls : a.manifest().classes().keySet()) {
            assertEquals(4, a.manifest().classes().get(cls).ids().size());
            assertEquals(4, new HashSet<>(a.manifest().classes().get(cls).ids()).size(), "without replacement");
            a.manifest().classes().get(cls).ids().forEach(id -> assertTrue(id.startsWith(cls + "-")));
        }
    }

    @Test
    void choiceIsStableAcrossVersionsOfThisCode() {
        // pins the algorithm (SplitMix64 + FNV-1a + Fisher-Yates): a change here silently changes published splits
        KShotSplit.Result r = KShotSplit.build(pool(2, 10), Sample::classLabel, 3, 42, "pool");
        assertEquals(ids(r), ids(KShotSplit.build(pool(2, 10), Sample::classLabel, 3, 42, "pool")));
        List<String> first = ids(r);
        assertEquals(6, first.size());
        // recomputed by hand from the algorithm's definition
        int[] perm = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        new SeededShuffle(42, "class0").shuffle(perm);
        assertEquals(List.of("class0-" + perm[0], "class0-" + perm[1], "class0-" + perm[2]), first.subList(0, 3));
    }

    @Test
    void kShotIsContainedIn2kShotAndClassesAreIndependent() {
        List<Sample> p = pool(6, 30);
        List<String> four = ids(KShotSplit.build(p, Sample::classLabel, 4, 11, "pool"));
        List<String> eight = ids(KShotSplit.build(p, Sample::classLabel, 8, 11, "pool"));
        assertTrue(new HashSet<>(eight).containsAll(four));
        List<Sample> fewer = p.stream().filter(s -> !s.classLabel().equals("class3")).toList();
        List<String> without = ids(KShotSplit.build(fewer, Sample::classLabel, 4, 11, "pool"));
        List<String> expected = four.stream().filter(id -> !id.startsWith("class3-")).toList();
        assertEquals(expected, without);
    }

    @Test
    void shortClassesAreTakenWholeAndReported(@TempDir Path tmp) throws Exception {
        List<Sample> p = new ArrayList<>(pool(2, 5));
        p.removeIf(s -> s.classLabel().equals("class1") && !s.id().endsWith("-0"));
        KShotSplit.Result r = KShotSplit.build(p, Sample::classLabel, 3, 1, "pool.jsonl");
        assertEquals(4, r.samples().size());
        assertEquals(List.of("class1"), r.manifest().shortClasses());
        Path m = tmp.resolve("manifest.json");
        r.manifest().write(m);
        String json = Files.readString(m);
        assertTrue(json.contains("\"short\" : true"), json);
        assertTrue(json.contains("\"input\" : \"pool.jsonl\""), json);
        assertTrue(json.contains("\"seed\" : 1"), json);
        assertTrue(json.contains("\"class1-0\""), json);
    }
}
