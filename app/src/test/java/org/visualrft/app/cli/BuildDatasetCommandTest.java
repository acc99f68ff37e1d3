package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class BuildDatasetCommandTest {
    @TempDir
    Path dir;

    /** Four 200 x 100 images; cats in 1, 2, 3, a dog in 3, a bus in 4 (ids as COCO's: cat 17, dog 18, bus 6). */
    private Path coco(boolean lvisNegatives) throws IOException {
        Path imgs = Files.createDirectories(dir.resolve("val2017"));
        for (int i = 1; i <= 4; i++) {
            BufferedImage b = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
            b.setRGB(i, i, 0xffffff);
            ImageIO.write(b, "png", imgs.resolve("%012d.png".formatted(i)).toFile());
        }
        StringBuilder images = new StringBuilder();
        for (int i = 1; i <= 4; i++) {
            images.append(i > 1 ? "," : "").append("{\"id\": ").append(i)
                    .append(", \"width\": 200, \"height\": 100, \"file_name\": \"%012d.png\"".formatted(i))
                    .append(lvisNegatives ? ", \"neg_category_ids\": " + (i == 4 ? "[17]" : "[]")
                            + ", \"not_exhaustive_category_ids\": []" : "").append("}");
        }
        String json = "{\"images\": [" + images + "], \"categories\": [{\"id\": 6, \"name\": \"bus\"},"
                + " {\"id\": 17, \"name\": \"cat\"}, {\"id\": 18, \"name\": \"dog\"}], \"annotations\": ["
                + "{\"id\": 1, \"image_id\": 1, \"category_id\": 17, \"bbox\": [20, 10, 100, 50], \"area\": 5000, \"iscrowd\": 0},"
                + "{\"id\": 2, \"image_id\": 1, \"category_id\": 17, \"bbox\": [0, 0, 10, 10], \"area\": 100, \"iscrowd\": 0},"
                + "{\"id\": 3, \"image_id\": 2, \"category_id\": 17, \"bbox\": [50, 50, 50, 25], \"area\": 1250, \"iscrowd\": 0},"
                + "{\"id\": 4, \"image_id\": 3, \"category_id\": 17, \"bbox\": [1, 1, 2, 2], \"area\": 4, \"iscrowd\": 0},"
                + "{\"id\": 5, \"image_id\": 3, \"category_id\": 18, \"bbox\": [100, 0, 100, 100], \"area\": 10000, \"iscrowd\": 0},"
                + "{\"id\": 6, \"image_id\": 4, \"category_id\": 6, \"bbox\": [0, 0, 200, 100], \"area\": 20000, \"iscrowd\": 0}]}";
        Path f = dir.resolve("instances.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void allPositivesWithThePaperPromptAndNormalisedBoxes() throws IOException {
        Path gt = coco(false);
        Path out = dir.resolve("all.jsonl");
        CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", dir.resolve("val2017")
                .toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        List<Sample> s = JsonlDatasetReader.read(out);
        assertEquals(5, s.size()); // (1,cat) (2,cat) (3,cat) (3,dog) (4,bus)
        Sample first = s.stream().filter(x -> x.id().equals("img1-cat17")).findFirst().orElseThrow();
        assertEquals(VisualRftPrompts.detection("cat", true), first.problem());
        assertEquals("<answer>[{'Position': [100, 100, 600, 600], 'Confidence': 1}, {'Position': [0, 0, 50, 100],"
                + " 'Confidence': 1}]</answer>", first.solution());
        assertTrue(Files.exists(dir.resolve("all.manifest.json")));
    }

    @Test
    void kShotsAndNegativesAreSeededAndInTheManifest() throws IOException {
        Path gt = coco(false);
        String images = dir.resolve("val2017").toString();
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        for (Path p : List.of(a, b)) {
            CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", images, "--output",
                    p.toString(), "--categories", "cat,dog", "--shots", "1", "--negatives", "2", "--seed", "5");
            assertEquals(0, r.code(), r.err());
        }
        assertEquals(Files.readString(a), Files.readString(b), "same seed, same set");
        List<Sample> s = JsonlDatasetReader.read(a);
        List<Sample> neg = s.stream().filter(x -> x.solution().equals("<answer>No Objects</answer>")).toList();
        assertEquals(2, s.size() - neg.size(), "one shot each of cat and dog");
        assertEquals(3, neg.size(), "cat: only image 4 lacks one; dog: two of images 1, 2, 4");
        for (Sample n : neg) {
            String cat = n.columns().get("category");
            String img = n.columns().get("image_id");
            assertTrue(cat.equals("cat") ? img.equals("4") : !img.equals("3"), n.id());
            assertEquals(VisualRftPrompts.detection(cat, true), n.problem());
        }
        String manifest = Files.readString(dir.resolve("a.manifest.json"));
        assertTrue(manifest.contains("\"dog/No Objects\"") && manifest.contains("\"seed\" : 5"), manifest);
    }

    @Test
    void lvisNegativesComeOnlyFromTheNegativeLists() throws IOException {
        Path gt = coco(true);
        Path out = dir.resolve("lvis.jsonl");
        CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", dir.resolve("val2017")
                .toString(), "--output", out.toString(), "--categories", "cat,dog", "--negatives", "5");
        assertEquals(0, r.code(), r.err());
        List<String> neg = JsonlDatasetReader.read(out).stream()
                .filter(x -> x.solution().contains("No Objects")).map(Sample::id).toList();
        assertEquals(List.of("img4-cat17-neg"), neg);
    }

    @Test
    void parquetOutputCarriesTheImagesAndLoadsForTraining() throws IOException {
        Path gt = coco(false);
        Path out = dir.resolve("set.parquet");
        CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", dir.resolve("val2017")
                .toString(), "--output", out.toString(), "--categories", "cat", "--negatives", "1");
        assertEquals(0, r.code(), r.err());
        List<TrainingExample> ex = ExampleLoader.load(out.toString(), ColumnNames.DEFAULT, false).examples();
        assertEquals(4, ex.size()); // 3 positives and 1 negative
        for (TrainingExample e : ex) {
            assertEquals(200, e.prompt().image().width());
            assertTrue(e.prompt().text().contains("'cat'"));
        }
    }

    /** Missing folders of the output are made, for .parquet as for .jsonl (docs/limits.md: every command alike). */
    @Test
    void parquetOutputIntoAMissingFolderIsWritten() throws IOException {
        Path gt = coco(false);
        Path out = dir.resolve("new/folder/set.parquet");
        CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", dir.resolve("val2017")
                .toString(), "--output", out.toString(), "--categories", "cat");
        assertEquals(0, r.code(), r.err());
        assertEquals(3, ExampleLoader.load(out.toString(), ColumnNames.DEFAULT, false).examples().size());
        assertTrue(Files.isRegularFile(dir.resolve("new/folder/set.parquet.manifest.json")));
    }

    @Test
    void missingImageIsExit2AndWritesNothing() throws IOException {
        Path gt = coco(false);
        Files.delete(dir.resolve("val2017/000000000002.png"));
        for (String name : List.of("x.jsonl", "x.parquet")) {
            Path out = dir.resolve(name);
            CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images",
                    dir.resolve("val2017").toString(), "--output", out.toString());
            assertEquals(2, r.code());
            assertTrue(r.err().contains("000000000002.png") && r.err().contains("image 2"), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(Files.exists(out));
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind: " + dir);
        }
    }

    /**
     * The outputs are checked before the annotations are read: with unreadable annotations the error is still the
     * output's, and an output that is the annotations file is refused without touching it.
     */
    @Test
    void outputPathsAreCheckedBeforeAnythingIsRead() throws IOException {
        coco(false);
        String images = dir.resolve("val2017").toString();
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"images\": [");
        Files.createDirectories(dir.resolve("folder.jsonl"));
        Files.createDirectories(dir.resolve("m.manifest.json"));
        Files.writeString(dir.resolve("afile"), "x");
        String[][] cases = {
            {dir.resolve("folder.jsonl").toString(), "--output must name a file, but this is a folder"},
            {dir.resolve("m.jsonl").toString(), "the manifest (m.manifest.json) must name a file"},
            {dir.resolve("afile/x.jsonl").toString(), "is a file, not a folder"},
            {dir.resolve("afile/x.parquet").toString(), "is a file, not a folder"},
        };
        for (String[] c : cases) {
            CliRun r = CliRun.of("build-dataset", "--annotations", broken.toString(), "--images", images,
                    "--output", c[0]);
            assertEquals(2, r.code(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains(c[1]) && !r.err().contains("broken.json"), r.err());
        }
        // a missing folder is made only when there is something to write
        CliRun bad = CliRun.of("build-dataset", "--annotations", broken.toString(), "--images", images, "--output",
                dir.resolve("nofolder/x.parquet").toString());
        assertEquals(2, bad.code(), bad.out() + bad.err());
        assertFalse(Files.exists(dir.resolve("nofolder")));
        // annotations whose name ends in .jsonl, given as the output too
        Path gt = Files.copy(dir.resolve("instances.json"), dir.resolve("gt.jsonl"));
        String before = Files.readString(gt);
        CliRun r = CliRun.of("build-dataset", "--annotations", gt.toString(), "--images", images, "--output",
                gt.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("--output is the same file as --annotations"), r.err());
        assertEquals(before, Files.readString(gt), "the annotations are untouched");
    }
}
