package org.visualrft.core.eval.coco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

class CocoReadersTest {
    @TempDir
    Path tmp;

    private Path write(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsWhatPythonMadeFilesContain() throws Exception {
        Path gt = write("gt.json", """
                {"info": {"year": 2017}, "licenses": [],
                 "images": [{"id": 3, "width": 640.0, "height": 480, "file_name": "a.jpg"}],
                 "annotations": [{"id": 1, "image_id": 3, "category_id": 1, "bbox": [1.5, 2, 30, 40], "area": 1200,
                                  "iscrowd": 0, "segmentation": [[1, 2, 3, 4, 5, 6]]},
                                 {"id": 2, "image_id": 3, "category_id": 1, "bbox": [0, 0, 9, 9], "area": 81.0,
                                  "iscrowd": true}],
                 "categories": [{"id": 1, "name": "cat", "supercategory": "animal"}]}""");
        CocoGroundTruth g = CocoGroundTruth.read(gt);
        assertEquals(List.of(new CocoImage(3, 640, 480, "a.jpg", null, null, null)), g.images());
        assertEquals(new CocoAnnotation(1, 3, 1, 1.5, 2, 30, 40, 1200, false, false), g.annotations().get(0));
        assertTrue(g.annotations().get(1).crowd());
        Path dt = write("dt.json", "[{\"image_id\": 3, \"category_id\": 1.0, \"bbox\": [1, 2, 3, 4], \"score\": 1}]");
        assertEquals(List.of(new CocoDetection(3, 1, 1, 2, 3, 4, 1.0)), CocoResultsReader.read(dt));
        assertEquals(List.of(), CocoResultsReader.read(write("empty.json", "[]")));
    }

    @Test
    void faultsNameTheFileTheElementAndThePosition() throws Exception {
        String[][] cases = {
            {"{\"images\": [], \"annotations\": [], \"categories\": [{\"name\": \"x\"}]}", "categories[0]: no \"id\""},
            {"{\"images\": [{\"id\": 1}, {\"id\": 1}], \"annotations\": [], \"categories\": []}", "duplicate image id 1"},
            {"{\"images\": [{\"id\": 1}], \"annotations\": [{\"id\": 1, \"image_id\": 1, \"category_id\": 1, "
                    + "\"bbox\": [0, 0, 1, -1], \"area\": 1}], \"categories\": []}", "annotations[0]: bbox has a negative size"},
            {"{\"images\": [{\"id\": 1.5}], \"annotations\": [], \"categories\": []}", "images[0]: id must be an integer"},
            {"{\"images\": [], \"annotations\": [], \"categories\": [] ", "malformed JSON at line 1"},
            {"{\"images\": [], \"categories\": []}", "missing field \"annotations\""},
            {"{\"images\": [{\"id\": 1, \"height\": -2}], \"annotations\": [], \"categories\": []}",
                "images[0]: height must be a non-negative integer"},
        };
        for (String[] c : cases) {
            Path f = write("bad.json", c[0]);
            BadInputException e = assertThrows(BadInputException.class, () -> CocoGroundTruth.read(f), c[0]);
            assertEquals(f.toString(), e.source());
            assertTrue(e.fault().contains(c[1]), c[1] + " in " + e.getMessage());
        }
        Path dt = write("dt.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": NaN}]");
        BadInputException e = assertThrows(BadInputException.class, () -> CocoResultsReader.read(dt));
        assertTrue(e.fault().contains("malformed JSON"), e.getMessage());
        Path dt2 = write("dt2.json", "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 1, 1], \"score\": 0.5}, 7]");
        e = assertThrows(BadInputException.class, () -> CocoResultsReader.read(dt2));
        assertTrue(e.fault().contains("detection [1] must be an object"), e.getMessage());
    }

    /**
     * Invalid UTF-8 inside a string the reader keeps (a category name) lost its position: Jackson's message ends in a
     * source echo on a second line, which the one-line CLI message cut off with the line and column.
     */
    @Test
    void invalidUtf8InAKeptStringIsMalformedJsonWithItsPosition() throws Exception {
        Path f = tmp.resolve("bad.json");
        byte[] json = "{\"images\": [], \"annotations\": [], \"categories\": [{\"id\": 1, \"name\": \"\u00e9\"}]}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < json.length; i++) {
            if (json[i] == (byte) 0xC3) {
                json[i + 1] = '('; // a lead byte without its continuation
            }
        }
        Files.write(f, json);
        BadInputException e = assertThrows(BadInputException.class, () -> CocoGroundTruth.read(f));
        String firstLine = e.getMessage().lines().findFirst().orElseThrow();
        assertTrue(firstLine.contains("malformed JSON at line 1, column ") && firstLine.contains("Invalid UTF-8"),
                e.getMessage());
    }
}
