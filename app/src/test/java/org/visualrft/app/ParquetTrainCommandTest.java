package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.train.data.parquet.ParquetDatasetWriter;

/** `visual-rft train` on a Hugging Face layout parquet file: bad rows stop it (exit 2) or are skipped and counted. */
class ParquetTrainCommandTest {
    @Test
    void badRowIsExit2OrSkippedAndCounted(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path data = dir.resolve("train.parquet");
        try (ParquetDatasetWriter w = new ParquetDatasetWriter(data, List.of("thinking"))) {
            for (int i = 0; i < 4; i++) {
                w.write(Files.readAllBytes(dir.resolve("img" + i + ".png")), "img" + i + ".png",
                        "What is the category of this item ?", "<answer>" + (i % 2 == 0 ? "Shirt" : "Sandal")
                                + "</answer>", Map.of("thinking", i % 2 == 0 ? "top" : "shoe"));
            }
            w.write(Files.readAllBytes(dir.resolve("img0.png")), "img0.png", "What is the category of this item ?",
                    null, Map.of());
        }
        String body = "model: " + dir.resolve("model") + "\ndataset: " + data + "\nmax_steps: 1\n";
        Path strict = dir.resolve("strict.yaml");
        Files.writeString(strict, body + "output_dir: " + dir.resolve("a") + "\n");
        CliRun r = CliRun.of("train", "sft", "--config", strict.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(data.toString()) && r.err().contains("row 4: solution is null"), r.err());

        Path skip = dir.resolve("skip.yaml");
        Files.writeString(skip, body + "output_dir: " + dir.resolve("b") + "\nskip_bad_rows: true\n");
        CliRun ok = CliRun.of("train", "sft", "--config", skip.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        String metrics = Files.readString(dir.resolve("b/metrics.jsonl"));
        assertTrue(metrics.contains("\"skipped_bad_rows\":1"), metrics);
        String provenance = Files.readString(dir.resolve("b/provenance.json"));
        assertTrue(provenance.contains("files_sha256") && provenance.contains("train.parquet"), provenance);
    }
}
