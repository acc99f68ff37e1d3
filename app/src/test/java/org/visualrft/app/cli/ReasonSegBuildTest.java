package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;
import org.visualrft.core.data.JsonlDatasetReader;
import org.visualrft.core.data.Sample;
import org.visualrft.core.prompt.VisualRftPrompts;
import org.visualrft.train.data.ExampleLoader;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.data.parquet.ColumnNames;

/**
 * {@code build-dataset --reasonseg}: LISA's ReasonSeg layout made into the paper's grounding set (gen_box_ann.py,
 * gen_sft.py): the first polygon's extent, one sample per instruction, int-truncated 0-1000 corners, the training
 * prompt; faults are one line naming the file, exit 2, nothing written.
 */
class ReasonSegBuildTest {
    @TempDir
    Path dir;

    /** An image of w x h and its annotation. */
    private void item(Path folder, String name, int w, int h, String json) throws IOException {
        Files.createDirectories(folder);
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "jpg", folder.resolve(name + ".jpg").toFile());
        Files.writeString(folder.resolve(name + ".json"), json);
    }

    /** Two images: a (300 x 200, two instructions, two polygons) and b (640 x 480, one instruction). */
    private Path folder() throws IOException {
        Path f = dir.resolve("train");
        item(f, "a", 300, 200, "{\"text\": [\"the thing that holds water\", \"what keeps the rain off?\"],"
                + " \"is_sentence\": true, \"shapes\": ["
                + "{\"label\": \"target\", \"points\": [[30.9, 20.5], [149.99, 10.2], [100.0, 199.9], [45.0, 80.0]]},"
                + "{\"label\": \"target\", \"points\": [[0, 0], [299, 199]]}]}");
        item(f, "b", 640, 480, "{\"text\": [\"the cat\"], \"is_sentence\": false, \"shapes\": ["
                + "{\"label\": \"target\", \"points\": [[64, 48], [320, 48], [320, 240]]}]}");
        return f;
    }

    @Test
    void oneSamplePerInstructionWithTheFirstPolygonsTruncatedExtent() throws IOException {
        Path out = dir.resolve("lisa.jsonl");
        CliRun r = CliRun.of("build-dataset", "--reasonseg", folder().toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<Sample> s = JsonlDatasetReader.read(out);
        assertEquals(List.of("a-0", "a-1", "b-0"), s.stream().map(Sample::id).toList());
        // a: extent x 30.9..149.99, y 10.2..199.9 of 300 x 200: int(103.0) 103, int(51.0) 51, int(499.96..) 499,
        // int(999.5) 999 -- the second polygon (the whole image) is not used
        assertEquals("<answer> (103,51),(499,999) </answer>", s.get(0).solution());
        assertEquals(s.get(0).solution(), s.get(1).solution());
        assertEquals(VisualRftPrompts.lisaTraining("the thing that holds water", true), s.get(0).problem());
        assertEquals(VisualRftPrompts.lisaTraining("what keeps the rain off?", true), s.get(1).problem());
        assertEquals("Output the bounding box in the image corresponding to the instruction: the cat Output the thinking"
                + " process in <think> </think> and your grouding box. Following \"<think> thinking process </think>\n"
                + "<answer>(x1,y1),(x2,y2)</answer>)\" format.", s.get(2).problem());
        assertEquals("<answer> (100,100),(500,500) </answer>", s.get(2).solution());
        assertEquals(300, s.get(0).size().width());
        assertEquals(480, s.get(2).size().height());
        assertEquals("grounding", s.get(0).task());
        assertEquals("the thing that holds water", s.get(0).columns().get("instruction"));
        assertEquals("[30.9, 10.2, 149.99, 199.9]", s.get(0).columns().get("box"));
        assertEquals("false", s.get(2).columns().get("is_sentence"));
        JsonNode manifest = new ObjectMapper().readTree(dir.resolve("lisa.manifest.json").toFile());
        assertEquals(3, manifest.get("chosen").asInt());
        // the set loads for training as grounding records
        List<TrainingExample> ex = ExampleLoader.load(out.toString(), ColumnNames.DEFAULT, false).examples();
        assertEquals("grounding", ex.get(0).task().id());

        // the evaluation script's items: the first instruction of each image; without the thinking part
        Path first = dir.resolve("first.jsonl");
        CliRun f = CliRun.of("build-dataset", "--reasonseg", folder().toString(), "--output", first.toString(),
                "--first-instruction", "--no-thinking");
        assertEquals(0, f.code(), f.out() + f.err());
        List<Sample> fs = JsonlDatasetReader.read(first);
        assertEquals(List.of("a-0", "b-0"), fs.stream().map(Sample::id).toList());
        assertEquals(VisualRftPrompts.lisaTraining("the thing that holds water", false), fs.get(0).problem());
    }

    @Test
    void parquetOutputLoadsWithTheColumns() throws IOException {
        Path out = dir.resolve("lisa.parquet");
        CliRun r = CliRun.of("build-dataset", "--reasonseg", folder().toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<TrainingExample> ex = ExampleLoader.load(out.toString(), ColumnNames.DEFAULT, false).examples();
        assertEquals(3, ex.size());
        assertEquals("<answer> (103,51),(499,999) </answer>", ex.get(0).solution());
        assertEquals("[30.9, 10.2, 149.99, 199.9]", ex.get(0).reward().columns().get("box"));
    }

    @Test
    void badInputIsOneLineNamingTheFileExit2AndNothingWritten() throws IOException {
        String[][] cases = {
            {"{\"text\": [\"x\"], \"shapes\": []}", "no shapes"},
            {"{\"text\": [\"x\"]}", "no shapes"},
            {"{\"text\": [\"x\"], \"shapes\": [{\"points\": [[5, 5], [5, 90], [5, 40]]}]}", "degenerate polygon"},
            {"{\"text\": [\"x\"], \"shapes\": [{\"points\": [[5, 5]]}]}", "degenerate polygon"},
            {"{\"text\": [], \"shapes\": [{\"points\": [[5, 5], [50, 50]]}]}", "non-empty list of instruction"},
            {"{\"text\": [\"x\"], \"shapes\": [{\"points\": [[5, \"a\"], [50, 50]]}]}", "[x, y] pairs"},
            {"{\"text\": [\"x\"], \"shapes\": ", "not valid JSON"},
        };
        int n = 0;
        for (String[] c : cases) {
            Path f = folder().resolveSibling("bad" + n++);
            copyFolder(folder(), f);
            item(f, "c", 100, 100, c[0]);
            Path out = dir.resolve("o.jsonl");
            CliRun r = CliRun.of("build-dataset", "--reasonseg", f.toString(), "--output", out.toString());
            assertEquals(2, r.code(), c[0] + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("c.json") && r.err().contains(c[1]), r.err());
            assertFalse(Files.exists(out), "nothing written");
            assertFalse(Files.exists(dir.resolve("o.manifest.json")));
        }
        Path f = dir.resolve("noimage");
        copyFolder(folder(), f);
        Files.delete(f.resolve("b.jpg"));
        CliRun r = CliRun.of("build-dataset", "--reasonseg", f.toString(), "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("b.json") && r.err().contains("b.jpg is missing"), r.err());
        // the COCO options do not apply; one source at a time
        for (String[] args : new String[][] {
            {"build-dataset", "--reasonseg", folder().toString(), "--output", "o.jsonl", "--shots", "2"},
            {"build-dataset", "--reasonseg", folder().toString(), "--annotations", "x.json", "--output", "o.jsonl"},
            {"build-dataset", "--output", "o.jsonl"}}) {
            CliRun u = CliRun.of(args);
            assertEquals(2, u.code(), u.out() + u.err());
        }
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
