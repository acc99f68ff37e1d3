package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;

class CocoEvalCommandTest {
    @TempDir
    Path tmp;

    static Path fixture(String name) {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("coco").resolve(name);
    }

    static List<Double> numbers(Path json, String field) throws IOException {
        List<Double> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals(field)) {
                    JsonToken t = p.nextToken();
                    if (t == JsonToken.START_ARRAY) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            out.add(p.getDoubleValue());
                        }
                    } else {
                        out.add(p.getDoubleValue());
                    }
                    return out;
                }
            }
        }
        return out;
    }

    @Test
    void printsSummaryAndWritesTheOracleNumbers() throws IOException {
        Path dir = fixture("fixture_20img");
        Path json = tmp.resolve("out/eval.json");
        CliRun r = CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--categories", "1,3", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.254"),
                r.out());
        assertTrue(r.out().contains(" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ]"), r.out());
        List<Double> want = numbers(dir.resolve("expected.json"), "stats");
        List<Double> got = numbers(json, "stats");
        assertEquals(12, got.size());
        for (int i = 0; i < 12; i++) {
            assertEquals(want.get(i), got.get(i), 1e-12, "stats[" + i + "]");
        }
        assertEquals(numbers(dir.resolve("expected.json"), "subset_mean_ap").get(0),
                numbers(json, "subset_mean_ap").get(0), 1e-12);
    }

    @Test
    void unknownCategoryDetectionsAreIgnoredWithAWarning() throws IOException {
        Path dir = fixture("micro_perfect");
        String dt = Files.readString(dir.resolve("dt.json")).trim();
        // one more detection of a category the ground truth does not list
        Path extra = tmp.resolve("dt.json");
        Files.writeString(extra, dt.substring(0, dt.length() - 1)
                + ", {\"image_id\": 1, \"category_id\": 999, \"bbox\": [0, 0, 10, 10], \"score\": 0.99}]");
        Path json = tmp.resolve("a.json");
        Path jsonBase = tmp.resolve("b.json");
        assertEquals(0, CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt", extra.toString(),
                "--json", json.toString()).code());
        CliRun r = CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt", extra.toString());
        assertTrue(r.err().contains("warning: 1 detection(s)"), r.err());
        assertEquals(0, CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--json", jsonBase.toString()).code());
        assertEquals(numbers(jsonBase, "stats"), numbers(json, "stats"));
    }

    private CliRun badDt(String content, Path json) throws IOException {
        Path dt = tmp.resolve("bad-dt.json");
        Files.writeString(dt, content);
        return CliRun.of("coco-eval", "--gt", fixture("micro_perfect").resolve("gt.json").toString(), "--dt",
                dt.toString(), "--json", json.toString());
    }

    @Test
    void badResultsExitTwoWithOneLineNamingTheFile() throws IOException {
        String[][] cases = {
            {"[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 10, 10], \"score\": 0.5}", "malformed JSON"},
            {"[{\"image_id\": 123456, \"category_id\": 1, \"bbox\": [0, 0, 10, 10], \"score\": 0.5}]",
                "ground truth lacks"},
            {"[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, -10, 10], \"score\": 0.5}]", "negative size"},
            {"[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 10, 10]}]", "no \"score\""},
            {"[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 10], \"score\": 0.5}]", "4 numbers"},
            {"{\"image_id\": 1}", "array of detections"},
        };
        for (String[] c : cases) {
            Path json = tmp.resolve("never.json");
            CliRun r = badDt(c[0], json);
            assertEquals(2, r.code(), c[0] + " -> " + r.err());
            assertTrue(r.err().startsWith("visual-rft coco-eval: "), r.err());
            assertTrue(r.err().contains("bad-dt.json"), r.err());
            assertTrue(r.err().contains(c[1]), c[1] + " in " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(json), "nothing written on bad input");
        }
    }

    @Test
    void badGroundTruthAndMissingFileExitTwo() throws IOException {
        Path gt = tmp.resolve("gt.json");
        Files.writeString(gt, "{\"images\": [{\"id\": 1, \"width\": -5, \"height\": 10}], \"annotations\": [], "
                + "\"categories\": []}");
        CliRun r = CliRun.of("coco-eval", "--gt", gt.toString(), "--dt",
                fixture("micro_perfect").resolve("dt.json").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("gt.json") && r.err().contains("width"), r.err());

        Files.writeString(gt, "{\"images\": [{\"id\": 1}], \"annotations\": [{\"id\": 1, \"image_id\": 1, "
                + "\"category_id\": 1, \"bbox\": [0, 0, 1, 1]}], \"categories\": [{\"id\": 1}]}");
        r = CliRun.of("coco-eval", "--gt", gt.toString(), "--dt", fixture("micro_perfect").resolve("dt.json").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("no \"area\""), r.err());

        r = CliRun.of("coco-eval", "--gt", tmp.resolve("absent.json").toString(), "--dt", gt.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("absent.json: no such file"), r.err());
    }

    @Test
    void subsetByNameGivesTheSameMeanAsById() throws IOException {
        Path dir = fixture("fixture_20img");
        Path byId = tmp.resolve("id.json");
        Path byName = tmp.resolve("name.json");
        assertEquals(0, CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--categories", "1,3", "--json", byId.toString()).code());
        CliRun r = CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--category-names", "circle, triangle", "--json", byName.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(numbers(byId, "subset_mean_ap"), numbers(byName, "subset_mean_ap"));
        r = CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--category-names", "coco-few-shot-8");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("has no category named \"bus\""), r.err());
    }

    @Test
    void subsetCategoryWithoutGroundTruthIsBadInput() {
        Path dir = fixture("micro_perfect");
        CliRun r = CliRun.of("coco-eval", "--gt", dir.resolve("gt.json").toString(), "--dt",
                dir.resolve("dt.json").toString(), "--categories", "1,77");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--categories: category 77 is not in"), r.err());
    }

    /** A category listed twice was averaged twice ("mean AP over 3 categories [1, 1, 3]"): a silent bias. */
    @Test
    void subsetCategoryListedTwiceIsBadInput() {
        Path dir = fixture("fixture_20img");
        String gt = dir.resolve("gt.json").toString();
        String dt = dir.resolve("dt.json").toString();
        for (String[] c : new String[][] {{"--categories", "1,1,3", "--categories: category 1 is listed twice"},
                {"--category-names", "circle,triangle, circle", "--category-names: category 1 is listed twice"}}) {
            CliRun r = CliRun.of("coco-eval", "--gt", gt, "--dt", dt, c[0], c[1]);
            assertEquals(2, r.code(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(c[2]), r.err());
        }
    }
}
