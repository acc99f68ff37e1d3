package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;

class SplitCommandTest {
    @TempDir
    Path tmp;

    private Path pool() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            for (String c : List.of("rose", "tulip", "daisy")) {
                lines.add("{\"id\": \"" + c + i + "\", \"image\": \"data:image/png;base64,AAAA\", \"problem\": \"p\", "
                        + "\"solution\": \"<answer>" + c + "</answer>\"}");
            }
        }
        Path f = tmp.resolve("pool.jsonl");
        Files.write(f, lines);
        return f;
    }

    @Test
    void sameSeedWritesTheSameSubsetAndAManifest() throws Exception {
        Path in = pool();
        Path a = tmp.resolve("a/4shot.jsonl");
        Path b = tmp.resolve("b/4shot.jsonl");
        CliRun r = CliRun.of("split", "--input", in.toString(), "--shots", "4", "--seed", "3", "--output", a.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("12 of 36 samples over 3 classes"), r.out());
        assertEquals(0, CliRun.of("split", "--input", in.toString(), "--shots", "4", "--seed", "3", "--output",
                b.toString()).code());
        assertEquals(Files.readString(a), Files.readString(b));
        assertEquals(12, Files.readAllLines(a).size());
        String manifest = Files.readString(tmp.resolve("a/4shot.manifest.json"));
        assertTrue(manifest.contains("\"shots\" : 4") && manifest.contains("\"tulip\""), manifest);
        Path c = tmp.resolve("c.jsonl");
        assertEquals(0, CliRun.of("split", "--input", in.toString(), "--shots", "4", "--seed", "4", "--output",
                c.toString()).code());
        assertFalse(Files.readString(a).equals(Files.readString(c)), "another seed draws another subset");
    }

    @Test
    void shortClassesWarnAndBadInputExitsTwo() throws Exception {
        Path in = pool();
        CliRun r = CliRun.of("split", "--input", in.toString(), "--shots", "20", "--seed", "1", "--output",
                tmp.resolve("x.jsonl").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("3 class(es) have fewer than 20 samples"), r.err());

        Files.writeString(tmp.resolve("broken.jsonl"), "{\"image\": \n");
        r = CliRun.of("split", "--input", tmp.resolve("broken.jsonl").toString(), "--shots", "1", "--seed", "1",
                "--output", tmp.resolve("y.jsonl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("broken.jsonl:1: malformed JSON"), r.err());
        assertFalse(Files.exists(tmp.resolve("y.jsonl")));
        assertFalse(Files.exists(tmp.resolve("y.manifest.json")));
    }

    private void assertExit2WritesNothing(CliRun r, String... contains) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        for (String c : contains) {
            assertTrue(r.err().contains(c), "'" + c + "' not in: " + r.err());
        }
        assertFalse(Files.exists(tmp.resolve("out.jsonl")));
        assertFalse(Files.exists(tmp.resolve("out.manifest.json")));
    }

    /**
     * A COCO input whose images are not under {@code --images}: the split used to be written with paths to missing
     * files, which the JSONL reader (and so training) then refused; build-dataset refuses it up front, so does split.
     */
    @Test
    void cocoInputWithAMissingImageIsExit2AndWritesNothing() throws Exception {
        Path imgs = Files.createDirectories(tmp.resolve("imgs"));
        Files.write(imgs.resolve("1.png"), new byte[] {1});
        Path gt = Files.writeString(tmp.resolve("instances.json"), "{\"images\": ["
                + "{\"id\": 1, \"width\": 10, \"height\": 10, \"file_name\": \"1.png\"},"
                + "{\"id\": 2, \"width\": 10, \"height\": 10, \"file_name\": \"2.png\"}], \"annotations\": ["
                + "{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 5, 5], \"area\": 25},"
                + "{\"id\": 2, \"image_id\": 2, \"category_id\": 2, \"bbox\": [0, 0, 5, 5], \"area\": 25}],"
                + " \"categories\": [{\"id\": 1, \"name\": \"a\"}, {\"id\": 2, \"name\": \"b\"}]}");
        CliRun r = CliRun.of("split", "--input", gt.toString(), "--images", imgs.toString(), "--shots", "1",
                "--seed", "1", "--output", tmp.resolve("out.jsonl").toString());
        assertExit2WritesNothing(r, "instances.json", "image 2", imgs.resolve("2.png").toString());
        // with every image present it is written
        Files.write(imgs.resolve("2.png"), new byte[] {1});
        r = CliRun.of("split", "--input", gt.toString(), "--images", imgs.toString(), "--shots", "1", "--seed", "1",
                "--output", tmp.resolve("ok.jsonl").toString());
        assertEquals(0, r.code(), r.err());
    }

    /** An empty pool (an empty file, or nothing of the chosen categories) wrote an empty subset with exit 0. */
    @Test
    void emptyInputIsExit2AndWritesNothing() throws Exception {
        for (String content : List.of("", "\n\n")) {
            Path in = Files.writeString(tmp.resolve("empty.jsonl"), content);
            assertExit2WritesNothing(CliRun.of("split", "--input", in.toString(), "--shots", "1", "--seed", "1",
                    "--output", tmp.resolve("out.jsonl").toString()), "empty.jsonl", "no samples");
        }
    }

    /** --categories filters COCO/LVIS input only; on a JSONL file it was ignored, so nothing was filtered, silently. */
    @Test
    void categoriesOnAJsonlInputIsExit2() throws Exception {
        assertExit2WritesNothing(CliRun.of("split", "--input", pool().toString(), "--categories", "rose", "--shots",
                "1", "--seed", "1", "--output", tmp.resolve("out.jsonl").toString()), "--categories",
                "COCO/LVIS");
    }

    /** The manifest names samples by id: two samples with one id made it ambiguous (both could be listed). */
    @Test
    void duplicateIdsAreExit2AndWriteNothing() throws Exception {
        String line = "{\"id\": \"a\", \"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>%s</answer>\"}";
        Path in = Files.write(tmp.resolve("dup.jsonl"), List.of(line.formatted("rose"), line.formatted("tulip")));
        assertExit2WritesNothing(CliRun.of("split", "--input", in.toString(), "--shots", "1", "--seed", "1",
                "--output", tmp.resolve("out.jsonl").toString()), "dup.jsonl", "duplicate id \"a\"");
        // an explicit id that equals another line's default id (its line number) is a duplicate too
        Path mixed = Files.write(tmp.resolve("mixed.jsonl"), List.of(line.formatted("rose").replace("\"a\"", "\"2\""),
                line.formatted("tulip").replace("\"id\": \"a\", ", "")));
        assertExit2WritesNothing(CliRun.of("split", "--input", mixed.toString(), "--shots", "1", "--seed", "1",
                "--output", tmp.resolve("out.jsonl").toString()), "duplicate id \"2\"");
    }
}
