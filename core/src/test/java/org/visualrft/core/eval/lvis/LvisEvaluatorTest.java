package org.visualrft.core.eval.lvis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.eval.coco.CocoResultsReader;

/**
 * Hand-built federated cases whose AP can be worked out on paper (lvis-api semantics). A single true positive
 * ranked first gives precision 1/(1+eps) at every recall point, so "AP 1" below is 1 within 1e-15. Boxes are large
 * (area ≥ 96²) unless a case is about area ranges, because per-category AP averages all four ranges and an
 * unmatched detection outside a range is ignored there.
 */
class LvisEvaluatorTest {
    private static final double TOL = 1e-12;
    private static final long A = 1;
    private static final long B = 2;
    private static final long C = 3;

    private final List<CocoImage> images = new ArrayList<>();
    private final List<CocoAnnotation> anns = new ArrayList<>();
    private final List<CocoDetection> dets = new ArrayList<>();
    private List<CocoCategory> cats = List.of(new CocoCategory(A, "a", "r"), new CocoCategory(B, "b", "c"),
            new CocoCategory(C, "c", "f"));

    private void image(long id, List<Long> neg, List<Long> notExhaustive) {
        images.add(new CocoImage(id, 640, 480, null, null, neg, notExhaustive));
    }

    private void gt(long img, long cat, double x, double y, double w, double h) {
        anns.add(new CocoAnnotation(anns.size() + 1, img, cat, x, y, w, h, w * h, false, false));
    }

    private void det(long img, long cat, double x, double y, double w, double h, double score) {
        dets.add(new CocoDetection(img, cat, x, y, w, h, score));
    }

    private LvisEvalResult run(int maxDets) {
        return new LvisEvaluator(maxDets, false).evaluate(new CocoGroundTruth(images, cats, anns), dets, "gt", "dt");
    }

    private LvisEvalResult run() {
        return run(LvisEvaluator.DEFAULT_MAX_DETS);
    }

    @Test
    void perfectDetectionOfOneRareCategory() {
        image(1, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        det(1, A, 0, 0, 100, 100, 0.9);
        Map<String, Double> r = run().results();
        assertEquals(1.0, r.get("AP"), TOL);
        assertEquals(1.0, r.get("APr"), TOL);
        assertEquals(-1.0, r.get("APc"));
        assertEquals(-1.0, r.get("APf"));
        assertEquals(-1.0, r.get("APs"));
        assertEquals(-1.0, r.get("APm"));
        assertEquals(1.0, r.get("APl"), TOL);
        assertEquals(1.0, r.get("AR@300"), TOL);
        assertEquals(List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "APr", "APc", "APf", "AR@300", "ARs@300",
                "ARm@300", "ARl@300"), List.copyOf(r.keySet()));
    }

    @Test
    void categoryNeitherPositiveNorNegativeIsNotPenalised() {
        image(1, List.of(), List.of());
        image(2, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        gt(2, B, 0, 0, 100, 100);
        det(1, A, 0, 0, 100, 100, 0.9);
        det(2, B, 0, 0, 100, 100, 0.5);
        det(1, B, 300, 300, 50, 50, 0.8); // B is unknown on image 1: dropped
        det(1, C, 300, 300, 50, 50, 0.99); // C is unknown on image 1: dropped
        LvisEvalResult r = run();
        assertEquals(1.0, r.perCategoryAp().get(B), TOL);
        assertEquals(-1.0, r.perCategoryAp().get(C));
    }

    @Test
    void detectionOfANegativeCategoryIsAFalsePositive() {
        image(1, List.of(B), List.of());
        image(2, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        gt(2, B, 0, 0, 100, 100);
        det(1, A, 0, 0, 100, 100, 0.9);
        det(2, B, 0, 0, 100, 100, 0.5);
        det(1, B, 300, 300, 100, 100, 0.8); // B is verified absent on image 1: ranked first, a false positive
        LvisEvalResult r = run();
        // precision after the envelope is tp / (tp + fp) = 1/2 (2 + eps rounds to 2) at every recall point
        assertEquals(0.5, r.perCategoryAp().get(B), TOL);
        assertEquals(1.0, r.perCategoryAp().get(A), TOL);
        Map<String, Double> res = r.results();
        assertEquals(1.0, res.get("APr"), TOL);
        assertEquals(0.5, res.get("APc"), TOL);
        assertEquals(0.75, res.get("AP"), TOL);
    }

    @Test
    void unmatchedDetectionOfANotExhaustiveCategoryIsIgnored() {
        image(1, List.of(), List.of(A));
        gt(1, A, 0, 0, 100, 100);
        det(1, A, 300, 300, 100, 100, 0.95); // unmatched, above the true positive
        det(1, A, 0, 0, 100, 100, 0.9);
        assertEquals(1.0, run().perCategoryAp().get(A), TOL);

        images.set(0, new CocoImage(1, 640, 480, null, null, List.of(), List.of()));
        assertEquals(0.5, run().perCategoryAp().get(A), TOL, "exhaustive: the same detection is a false positive");
    }

    @Test
    void atMost300DetectionsPerImageTiesInFileOrder() {
        image(1, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        for (int i = 0; i < 300; i++) {
            det(1, A, 400, 300, 100, 100, 0.5); // misses (large, like the hit, so every area range agrees)
        }
        det(1, A, 0, 0, 100, 100, 0.5); // the hit, 301st in file order: cut by the limit
        LvisEvalResult limited = run();
        assertEquals(1, limited.detectionsOverLimit());
        assertEquals(0.0, limited.perCategoryAp().get(A));
        assertEquals(0.0, limited.results().get("AR@300"));
        // without a limit the hit is ranked 301st: precision 1/301 at every recall point
        assertEquals(1.0 / 301, run(-1).perCategoryAp().get(A), TOL);
        // the hit first in file order survives the cut and ranks first among equal scores
        CocoDetection hit = dets.remove(dets.size() - 1);
        dets.add(0, hit);
        assertEquals(1.0, run().perCategoryAp().get(A), TOL);
    }

    @Test
    void zeroAreaAnnotationsAndDetectionsDoNotCount() {
        image(1, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        gt(1, A, 200, 200, 0, 10); // area 0: not ground truth at all
        det(1, A, 300, 300, 0, 40, 0.99); // area 0: not a detection at all
        det(1, A, 0, 0, 100, 100, 0.9);
        LvisEvalResult r = run();
        assertEquals(1.0, r.perCategoryAp().get(A), TOL);
        assertEquals(1.0, r.results().get("AR@300"), TOL);
    }

    @Test
    void perCategoryApAveragesAllFourAreaRanges() {
        image(1, List.of(), List.of());
        gt(1, A, 0, 0, 50, 50); // medium (2500)
        gt(1, A, 200, 200, 100, 100); // large (10000)
        det(1, A, 200, 200, 100, 100, 0.9);
        LvisEvalResult r = run();
        // area all: recall 1/2 -> precision 1 at the 51 points up to 0.5, 0 after; medium: 0 (the detection
        // matches the ignored large box and is ignored); large: 1 at all 101; small: no ground truth (-1)
        assertEquals(152.0 / 303, r.perCategoryAp().get(A), TOL);
        assertEquals(51.0 / 101, r.results().get("AP"), TOL);
        assertEquals(0.0, r.results().get("APm"));
        assertEquals(1.0, r.results().get("APl"), TOL);
        assertEquals(0.5, r.results().get("AR@300"), TOL);
    }

    @Test
    void ignoreFlagOfGroundTruthIsHonoured() {
        image(1, List.of(), List.of());
        gt(1, A, 0, 0, 100, 100);
        CocoAnnotation g = anns.get(0);
        anns.add(new CocoAnnotation(7, 1, A, 300, 300, 100, 100, 10000, false, true));
        det(1, A, 300, 300, 100, 100, 0.95); // matches the ignored box: ignored
        det(1, A, 0, 0, 100, 100, 0.9);
        assertEquals(1.0, run().perCategoryAp().get(A), TOL);
        assertEquals(1, g.id());
    }

    @Test
    void missingFederatedFieldsAndUnknownImagesAreBadInput() {
        images.add(CocoImage.of(1, 640, 480));
        gt(1, A, 0, 0, 100, 100);
        BadInputException e = assertThrows(BadInputException.class, this::run);
        assertTrue(e.getMessage().contains("neg_category_ids"), e.getMessage());

        images.set(0, new CocoImage(1, 640, 480, null, null, List.of(), List.of()));
        cats = List.of(new CocoCategory(A, "a", null));
        e = assertThrows(BadInputException.class, this::run);
        assertTrue(e.getMessage().contains("frequency"), e.getMessage());

        cats = List.of(new CocoCategory(A, "a", "r"));
        det(5, A, 0, 0, 10, 10, 0.5);
        e = assertThrows(BadInputException.class, this::run);
        assertTrue(e.getMessage().startsWith("dt: ") && e.getMessage().contains("image id 5"), e.getMessage());
    }

    @Test
    void readsLvisFieldsFromJson(@TempDir Path tmp) throws Exception {
        Path gtFile = tmp.resolve("lvis.json");
        Files.writeString(gtFile, """
                {"images": [{"id": 1, "width": 640, "height": 480, "coco_url": "http://x/val2017/000000000001.jpg",
                             "neg_category_ids": [2], "not_exhaustive_category_ids": []}],
                 "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100], "area": 10000,
                                  "segmentation": [[0, 0, 100, 0, 100, 100]]}],
                 "categories": [{"id": 1, "name": "a", "frequency": "r", "synset": "a.n.01"},
                                {"id": 2, "name": "b", "frequency": "f"}]}""");
        Path dtFile = tmp.resolve("dt.json");
        Files.writeString(dtFile, """
                [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100], "score": 0.9},
                 {"image_id": 1, "category_id": 2, "bbox": [0, 0, 100, 100], "score": 0.8}]""");
        CocoGroundTruth gt = CocoGroundTruth.read(gtFile);
        assertEquals(List.of(2L), gt.images().get(0).negCategoryIds());
        assertEquals("f", gt.categories().get(1).frequency());
        LvisEvalResult r = new LvisEvaluator().evaluate(gt, CocoResultsReader.read(dtFile), "gt", "dt");
        assertEquals(1.0, r.results().get("APr"), TOL);
        assertEquals(-1.0, r.results().get("APf"), "a false positive on a category without any ground truth");
        assertTrue(r.summary().contains(
                " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=300 catIds=  r] = 1.000"),
                r.summary());
    }
}
