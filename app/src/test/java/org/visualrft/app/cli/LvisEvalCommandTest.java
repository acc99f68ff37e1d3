package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;

class LvisEvalCommandTest {
    @TempDir
    Path tmp;

    @Test
    void federatedCaseEndToEnd() throws Exception {
        Path gt = tmp.resolve("lvis.json");
        Files.writeString(gt, """
                {"images": [{"id": 1, "width": 640, "height": 480, "neg_category_ids": [2],
                             "not_exhaustive_category_ids": []},
                            {"id": 2, "width": 640, "height": 480, "neg_category_ids": [],
                             "not_exhaustive_category_ids": []}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100], "area": 10000},
                                 {"id": 2, "image_id": 2, "category_id": 2, "bbox": [0, 0, 100, 100], "area": 10000}],
                 "categories": [{"id": 1, "name": "die", "frequency": "r"},
                                {"id": 2, "name": "omelet", "frequency": "c"}]}""");
        Path dt = tmp.resolve("dt.json");
        Files.writeString(dt, """
                [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100], "score": 0.9},
                 {"image_id": 2, "category_id": 2, "bbox": [0, 0, 100, 100], "score": 0.5},
                 {"image_id": 1, "category_id": 2, "bbox": [300, 300, 100, 100], "score": 0.8}]""");
        Path json = tmp.resolve("out.json");
        CliRun r = CliRun.of("lvis-eval", "--gt", gt.toString(), "--dt", dt.toString(), "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("catIds=  c] = 0.500"), r.out());
        assertTrue(r.out().contains("mean AP over 2 categories = 0.7500"), r.out());
        String report = Files.readString(json);
        assertTrue(report.contains("\"APr\" : 0.99999999999999"), report);
        assertTrue(report.contains("\"2\" : 0.5"), report);

        Files.writeString(gt, "{\"images\": [{\"id\": 1}], \"annotations\": [], \"categories\": "
                + "[{\"id\": 1, \"name\": \"die\", \"frequency\": \"r\"}]}");
        r = CliRun.of("lvis-eval", "--gt", gt.toString(), "--dt", dt.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("lvis.json: image 1 lacks"), r.err());
    }
}
