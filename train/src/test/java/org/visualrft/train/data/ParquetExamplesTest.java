package org.visualrft.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.train.data.parquet.ColumnNames;
import org.visualrft.train.data.parquet.ParquetDatasetWriter;
import org.visualrft.train.data.parquet.PureJavaCodecs;

/** Hugging Face parquet datasets, written here in the HF layout ({@code image: {bytes, path}}, problem, solution). */
class ParquetExamplesTest {
    @TempDir
    Path dir;

    private static final String DET = "<answer>[{'Position': [10, 20, 300, 400], 'Confidence': 1}]</answer>";

    /** A PNG whose every pixel encodes its row, so a decoded image can be told apart from any other. */
    static byte[] png(int w, int h, int seed) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (seed * 40 + x * 7 + y * 3) & 0xffffff);
            }
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ImageIO.write(img, "png", b);
        return b.toByteArray();
    }

    private void shards(Path folder, int shards, int rowsEach) throws IOException {
        Files.createDirectories(folder);
        int n = 0;
        for (int s = 0; s < shards; s++) {
            Path f = folder.resolve(String.format("train-%05d-of-%05d.parquet", s, shards));
            try (ParquetDatasetWriter w = new ParquetDatasetWriter(f, List.of("label"))) {
                for (int i = 0; i < rowsEach; i++, n++) {
                    String solution = n % 2 == 0 ? DET : "<answer>cat " + n + "</answer>";
                    w.write(png(8 + n, 5 + n, n), "img" + n + ".png", "question " + n, solution,
                            Map.of("label", "l" + n));
                }
            }
        }
    }

    @Test
    void folderGlobAndFileGiveTheRowsInOrderWithImagesDecodedOnDemand() throws IOException {
        Path data = dir.resolve("data");
        shards(data, 3, 4);
        ExampleLoader.Loaded all = ExampleLoader.load(data.toString(), ColumnNames.DEFAULT, false);
        assertEquals(12, all.examples().size());
        assertEquals(0, all.skippedBadRows());
        for (int n = 0; n < 12; n++) {
            TrainingExample ex = all.examples().get(n);
            assertEquals("question " + n, ex.prompt().text());
            assertEquals(n % 2 == 0 ? Task.DETECTION : Task.CLASSIFICATION, ex.task());
            assertEquals(8 + n, ex.reward().imageSize().width());
            assertEquals(5 + n, ex.reward().imageSize().height());
            assertEquals("l" + n, ex.reward().columns().get("label"));
            Image expected = Image.fromBufferedImage(ImageIO.read(new java.io.ByteArrayInputStream(png(8 + n, 5 + n,
                    n))));
            assertArrayEquals(expected.pixels(), ex.prompt().image().pixels(), "row " + n);
        }
        assertEquals(4, ExampleLoader.load(data.resolve("train-00001-of-00003.parquet").toString(),
                ColumnNames.DEFAULT, false).examples().size());
        List<TrainingExample> glob = ExampleLoader.load(data + "/train-0000[02]-*.parquet", ColumnNames.DEFAULT,
                false).examples();
        assertEquals(8, glob.size());
        assertEquals("question 8", glob.get(4).prompt().text());
    }

    @Test
    void columnsAreMappedByNameAndAWrongNameSaysWhichExist() throws IOException {
        Path f = dir.resolve("qa.parquet");
        MessageType schema = Types.buildMessage()
                .optional(PrimitiveTypeName.BINARY).named("picture")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("question")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("answer")
                .optional(PrimitiveTypeName.INT64).named("solution")
                .named("schema");
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(f))
                .withConf(new PlainParquetConfiguration()).withCodecFactory(new PureJavaCodecs()).withType(schema)
                .build()) {
            Group g = new SimpleGroupFactory(schema).newGroup();
            g.add("picture", org.apache.parquet.io.api.Binary.fromConstantByteArray(png(4, 3, 1)));
            g.add("question", "what is it?");
            g.add("answer", "<answer>dog</answer>");
            g.add("solution", 7L);
            w.write(g);
        }
        List<TrainingExample> ex = ExampleLoader.load(f.toString(), new ColumnNames("picture", "question", "answer"),
                false).examples();
        assertEquals("what is it?", ex.get(0).prompt().text());
        assertEquals("<answer>dog</answer>", ex.get(0).solution());
        assertEquals(4, ex.get(0).prompt().image().width());
        assertEquals("7", ex.get(0).reward().columns().get("solution"));

        BadInputException missing = assertThrows(BadInputException.class,
                () -> ExampleLoader.load(f.toString(), new ColumnNames("image", "question", "answer"), false));
        assertTrue(missing.getMessage().contains(f.toString()) && missing.getMessage().contains("no column 'image'")
                && missing.getMessage().contains("picture") && missing.getMessage().contains("image_column"),
                missing.getMessage());
        BadInputException mistyped = assertThrows(BadInputException.class,
                () -> ExampleLoader.load(f.toString(), new ColumnNames("picture", "question", "solution"), false));
        assertTrue(mistyped.getMessage().contains("'solution' is INT64"), mistyped.getMessage());

        // column names for a JSON Lines dataset did nothing, silently: they are refused naming the file
        Path jsonl = dir.resolve("qa.jsonl");
        Files.writeString(jsonl, "{\"image\": \"data:image/png;base64,AAAA\", \"problem\": \"q\", "
                + "\"solution\": \"<answer>a</answer>\"}\n");
        BadInputException notParquet = assertThrows(BadInputException.class,
                () -> ExampleLoader.load(jsonl.toString(), new ColumnNames("picture", "problem", "solution"), false));
        assertEquals(jsonl.toString(), notParquet.source());
        assertTrue(notParquet.fault().contains("image_column"), notParquet.fault());
    }

    /**
     * A parquet output gets the permissions any new file gets (its temporary file was made 0600 whatever the umask)
     * and a legal name near the file system's limit is written (the temporary name was 19 characters longer).
     */
    @Test
    void aParquetOutputHasTheUsualPermissionsAndMayHaveALongName() throws IOException {
        Path f = dir.resolve("y".repeat(240) + ".parquet");
        try (ParquetDatasetWriter w = new ParquetDatasetWriter(f, List.of())) {
            w.write(png(5, 5, 0), null, "p0", DET, Map.of());
        }
        assertEquals(1, ExampleLoader.load(f.toString(), ColumnNames.DEFAULT, false).examples().size());
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(f));
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    @Test
    void badRowsNameFileAndRowOrAreSkippedAndCounted() throws IOException {
        Files.write(dir.resolve("present.png"), png(6, 6, 3));
        Path f = dir.resolve("bad.parquet");
        try (ParquetDatasetWriter w = new ParquetDatasetWriter(f, List.of())) {
            w.write(png(5, 5, 0), null, "p0", DET, Map.of());
            w.write("not an image at all".getBytes(), null, "p1", DET, Map.of()); // row 1: corrupt image
            w.write(png(5, 5, 2), null, "p2", null, Map.of());                    // row 2: null solution
            w.write(null, "missing.png", "p3", DET, Map.of());                    // row 3: no such image file
            w.write(null, "present.png", "p4", DET, Map.of());                    // row 4: fine, by path
            w.write(null, null, "p5", DET, Map.of());                             // row 5: no image
        }
        BadInputException e = assertThrows(BadInputException.class,
                () -> ExampleLoader.load(f.toString(), ColumnNames.DEFAULT, false));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("row 1")
                && e.getMessage().contains("image"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        ExampleLoader.Loaded skipped = ExampleLoader.load(f.toString(), ColumnNames.DEFAULT, true);
        assertEquals(4, skipped.skippedBadRows());
        assertEquals(List.of("p0", "p4"), skipped.examples().stream().map(x -> x.prompt().text()).toList());
        assertEquals(6, skipped.examples().get(1).prompt().image().width());
        // a row's image named by path has its size read from the file's header, as one held in bytes
        assertEquals(new ImageSize(6, 6), skipped.examples().get(1).reward().imageSize());

        for (String fault : List.of("solution is null", "image file not found", "neither bytes nor a path")) {
            Path one = dir.resolve("one.parquet");
            try (ParquetDatasetWriter w = new ParquetDatasetWriter(one, List.of())) {
                switch (fault) {
                    case "solution is null" -> w.write(png(5, 5, 2), null, "p", null, Map.of());
                    case "image file not found" -> w.write(null, "missing.png", "p", DET, Map.of());
                    default -> w.write(null, null, "p", DET, Map.of());
                }
            }
            BadInputException b = assertThrows(BadInputException.class,
                    () -> ExampleLoader.load(one.toString(), ColumnNames.DEFAULT, false));
            assertTrue(b.getMessage().contains("row 0") && b.getMessage().contains(fault), b.getMessage());
        }
    }

    @Test
    void truncatedFileIsAClearError() throws IOException {
        Path data = dir.resolve("data");
        shards(data, 1, 6);
        Path whole = data.resolve("train-00000-of-00001.parquet");
        byte[] bytes = Files.readAllBytes(whole);
        for (int keep : new int[] {bytes.length / 2, bytes.length - 3, 10}) {
            Path cut = dir.resolve("cut.parquet");
            Files.write(cut, Arrays.copyOf(bytes, keep));
            BadInputException e = assertThrows(BadInputException.class,
                    () -> ExampleLoader.load(cut.toString(), ColumnNames.DEFAULT, false));
            assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"),
                    e.getMessage());
            // parquet-java names the file by an object's identity ("...LocalInputFile@7ff95560"): not for a user
            assertFalse(e.getMessage().contains("InputFile@"), e.getMessage());
        }
    }

    /** A file another writer made (DuckDB 1.4, snappy, its own struct encoding), shipped as a test resource. */
    @Test
    void readsAFileWrittenByAnotherParquetWriter() throws Exception {
        Path f = Path.of(getClass().getResource("/parquet/duckdb-hf-layout.parquet").toURI());
        List<TrainingExample> ex = ExampleLoader.load(f.toString(), ColumnNames.DEFAULT, false).examples();
        assertEquals(3, ex.size());
        for (int n = 0; n < 3; n++) {
            assertEquals("What is in the image? " + n, ex.get(n).prompt().text());
            assertEquals("<answer>class" + n + "</answer>", ex.get(n).solution());
            Image img = ex.get(n).prompt().image();
            assertEquals(4 + n, img.width());
            assertEquals(3, img.height());
            // the writer drew gray levels (n * 50 + x * 20 + y * 70); Image holds them scaled to [0, 1]
            assertEquals((n * 50 + 20 + 70) / 255f, img.pixels()[(img.width() + 1) * img.channels()],
                    1e-6, "row " + n);
        }
    }

    @Test
    void emptyGlobAndFolderAreErrors() throws IOException {
        Files.createDirectories(dir.resolve("empty"));
        assertThrows(BadInputException.class,
                () -> ExampleLoader.load(dir.resolve("empty").toString(), ColumnNames.DEFAULT, false));
        assertThrows(BadInputException.class,
                () -> ExampleLoader.load(dir + "/nothing-*.parquet", ColumnNames.DEFAULT, false));
    }
}
