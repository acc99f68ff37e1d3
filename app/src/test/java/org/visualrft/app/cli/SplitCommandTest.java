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
}
