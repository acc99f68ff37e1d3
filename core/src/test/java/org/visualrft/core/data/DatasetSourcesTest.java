package org.visualrft.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;

class DatasetSourcesTest {
    @Test
    void imageFolderGivesOneClassPerSubFolderInSortedOrder(@TempDir Path tmp) throws Exception {
        for (String f : List.of("tulip/b.jpg", "tulip/a.PNG", "rose/x.png", "rose/notes.txt")) {
            Files.createDirectories(tmp.resolve(f).getParent());
            Files.write(tmp.resolve(f), new byte[] {1});
        }
        List<Sample> s = ImageFolderDataset.read(tmp, "Which flower?");
        assertEquals(List.of("rose/x.png", "tulip/a.PNG", "tulip/b.jpg"), s.stream().map(Sample::id).toList());
        assertEquals("<answer>tulip</answer>", s.get(1).solution());
        assertEquals("tulip", s.get(1).classLabel());
        assertEquals("Which flower?", s.get(0).problem());
        assertThrows(BadInputException.class, () -> ImageFolderDataset.read(tmp.resolve("rose/x.png"), ""));
    }

    @Test
    void cocoSplitsMatchTheSpec() {
        assertEquals(80, CategorySplits.COCO_80.size());
        assertEquals(80, new HashSet<>(CategorySplits.COCO_80).size());
        assertEquals(15, CategorySplits.COCO_NOVEL_15.size());
        assertTrue(CategorySplits.COCO_80.containsAll(CategorySplits.COCO_NOVEL_15));
        assertTrue(CategorySplits.COCO_80.containsAll(CategorySplits.COCO_FEW_SHOT_8));
        assertEquals(65, CategorySplits.COCO_BASE_65.size());
        assertTrue(CategorySplits.COCO_BASE_65.stream().noneMatch(CategorySplits.COCO_NOVEL_15::contains));
        assertEquals(13, CategorySplits.LVIS_OPEN_VOCAB_RARE_13.size());
        assertEquals(6, CategorySplits.LVIS_FEW_SHOT_RARE_6.size());
    }

    @Test
    void cocoGroundTruthBecomesPerImageCategorySamples() {
        Path dir = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("coco/micro_crowd");
        CocoGroundTruth gt = CocoGroundTruth.read(dir.resolve("gt.json"));
        List<Sample> s = CocoDetectionSamples.build(gt, Path.of("/data/coco"), c -> "Detect " + c, "gt.json");
        assertEquals(1, s.size(), "the crowd box is not a target");
        Sample x = s.get(0);
        // box [0, 0, 100, 100] on 640 x 480: x2 = int(100/640*1000) = 156, y2 = int(100/480*1000) = 208
        assertEquals("<answer>[{'Position': [0, 0, 156, 208], 'Confidence': 1}]</answer>", x.solution());
        assertEquals("Detect a", x.problem());
        assertEquals("a", x.classLabel());
        assertEquals("detection", x.task());
        assertEquals("img1-cat1", x.id());
        assertEquals(List.of(1L, 2L), CategorySplits.resolve(gt, List.of("a", "b"), "gt.json"));
        BadInputException e = assertThrows(BadInputException.class,
                () -> CategorySplits.resolve(gt, List.of("zebra"), "gt.json"));
        assertTrue(e.getMessage().contains("zebra"));
    }

    /**
     * A box narrower than 1/1000 of the image truncated to x1 == x2: an empty box, which the strict rewards refuse as
     * ground truth, so every completion of that sample scored 0. It is widened to one unit.
     */
    @Test
    void boxesBelowOneUnitBecomeOneUnitWide() {
        CocoGroundTruth gt = new CocoGroundTruth(List.of(CocoImage.of(1, 640, 480)),
                List.of(new CocoCategory(5, "cat", null)),
                List.of(new CocoAnnotation(1, 1, 5, 100.1, 50, 0.2, 20, 4, false, false),
                        new CocoAnnotation(2, 1, 5, 640, 0, 0, 10, 0, false, false)));
        Sample s = CocoDetectionSamples.build(gt, Path.of("/data/coco"), c -> "Detect " + c, "gt.json").get(0);
        // 100.1/640*1000 = 156.4 and 100.3/640*1000 = 156.7 both truncate to 156; x = 640 is 1000 on both sides
        assertEquals("<answer>[{'Position': [156, 104, 157, 145], 'Confidence': 1}, {'Position': [999, 0, 1000, 20],"
                + " 'Confidence': 1}]</answer>", s.solution());
        RewardSet strict = RewardRegistry.defaults(Task.DETECTION, RewardMode.STRICT, RewardOptions.DEFAULT);
        String answer = s.solution().substring("<answer>".length(), s.solution().length() - "</answer>".length());
        assertEquals(1.0, strict.score("<think>x</think><answer>" + answer + "</answer>", RewardSample.of(s.solution()))
                .values().get("iou"), 1e-12);
    }
}
