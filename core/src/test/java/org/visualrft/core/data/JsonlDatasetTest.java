package org.visualrft.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.ImageSize;

class JsonlDatasetTest {
    @TempDir
    Path tmp;

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
        0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 31, 21, (byte) 196, (byte) 137, 0, 0, 0, 10, 73, 68, 65, 84, 120,
        (byte) 156, 99, 0, 1, 0, 0, 5, 0, 1, 13, 10, 45, (byte) 180, 0, 0, 0, 0, 73, 69, 78, 68, (byte) 174, 66, 96,
        (byte) 130};

    @Test
    void readsPathsBase64DataUrisAndHuggingFaceImages() throws Exception {
        Files.createDirectories(tmp.resolve("img"));
        Files.write(tmp.resolve("img/a.png"), PNG);
        String b64 = Base64.getEncoder().encodeToString(PNG);
        Path jsonl = tmp.resolve("train.jsonl");
        Files.writeString(jsonl, String.join("\n",
                "{\"image\": \"img/a.png\", \"problem\": \"What?\", \"solution\": \"<answer>rose</answer>\", "
                        + "\"width\": 1, \"height\": 1, \"split\": \"train\", \"n\": 3}",
                "",
                "{\"id\": \"x7\", \"image\": \"" + b64 + "\", \"problem\": \"p\", \"solution\": \"<answer>a b</answer>\"}",
                "{\"image\": \"data:image/png;base64," + b64 + "\", \"problem\": \"p\", \"solution\": \"s\"}",
                "{\"image\": {\"bytes\": \"" + b64 + "\", \"path\": null}, \"problem\": \"p\", \"solution\": \"s\","
                        + " \"task\": \"detection\"}",
                "{\"image_path\": \"img/a.png\", \"solution\": \"<answer>tulip</answer>\", \"label\": \"tulip\"}"));
        List<Sample> s = JsonlDatasetReader.read(jsonl);
        assertEquals(5, s.size());
        assertEquals(new ImageRef.File(tmp.resolve("img/a.png")), s.get(0).image());
        assertEquals("1", s.get(0).id());
        assertEquals(new ImageSize(1, 1), s.get(0).size());
        assertEquals(Map.of("split", "train", "n", "3"), s.get(0).columns());
        assertEquals("rose", s.get(0).classLabel());
        assertEquals("x7", s.get(1).id());
        assertArrayEquals(PNG, ((ImageRef.Bytes) s.get(1).image()).data());
        assertNull(s.get(1).size());
        assertEquals("a b", s.get(1).classLabel());
        assertArrayEquals(PNG, ((ImageRef.Bytes) s.get(2).image()).data());
        assertInstanceOf(ImageRef.Bytes.class, s.get(3).image());
        assertEquals("detection", s.get(3).task());
        assertEquals("6", s.get(4).id(), "ids are 1-based line numbers, blank lines counted");
        assertEquals("", s.get(4).problem());
        assertEquals("tulip", s.get(4).classLabel());
    }

    @Test
    void writerRoundTrips() throws Exception {
        Files.write(tmp.resolve("a.png"), PNG);
        List<Sample> in = List.of(
                new Sample("1", ImageRef.file(tmp.resolve("a.png")), "p\u00e9", "<answer>x</answer>",
                        new ImageSize(4, 3), "classification", Map.of("label", "x")),
                new Sample("2", ImageRef.bytes(PNG), "q", "<answer>y</answer>", null, null, Map.of()));
        Path out = tmp.resolve("out.jsonl");
        JsonlDatasetWriter.write(out, in);
        String text = Files.readString(out);
        assertTrue(text.chars().allMatch(c -> c < 128), "ASCII only");
        assertTrue(text.contains("\"image\":\"a.png\""), text);
        assertEquals(in, JsonlDatasetReader.read(out));
    }

    @Test
    void faultsNameTheFileAndLine() throws Exception {
        String[][] cases = {
            {"{\"image\": \"nope.png\", \"solution\": \"s\"}", "image file not found"},
            {"{\"solution\": ", "malformed JSON"},
            {"{\"problem\": \"p\", \"solution\": \"s\"}", "no \"image\""},
            {"[1, 2]", "a JSON object expected"},
            {"{\"image\": \"data:image/png;base64,@@@\", \"solution\": \"s\"}", "not valid base64"},
            {"{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"s\", \"width\": -3, \"height\": 4}",
                "positive"},
            // sizes beyond an int were clamped to 2147483647 or wrapped (-4294967291 became a width of 5)
            {"{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"s\", \"width\": 99999999999, \"height\": 4}",
                "width must be an integer from 1 to 2147483647, found 99999999999"},
            {"{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"s\", \"width\": 4, \"height\": -4294967291}",
                "height must be an integer from 1 to 2147483647, found -4294967291"},
        };
        for (String[] c : cases) {
            Path f = tmp.resolve("bad.jsonl");
            Files.writeString(f, "\n" + c[0] + "\n");
            BadInputException e = assertThrows(BadInputException.class, () -> JsonlDatasetReader.read(f), c[0]);
            assertTrue(e.getMessage().startsWith(f + ":2: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[1] + " in " + e.getMessage());
        }
        BadInputException e = assertThrows(BadInputException.class,
                () -> JsonlDatasetReader.read(tmp.resolve("absent.jsonl")));
        assertTrue(e.getMessage().endsWith("absent.jsonl: no such file"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("absent.jsonl")));
    }
}
