package org.visualrft.core.eval.coco;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.visualrft.core.eval.Linspace;
import org.visualrft.core.eval.NumpyMean;

/**
 * Which input orders matter, on gen_ones (every score 1.0, so only tie order decides): file order within an image
 * matters (pycocotools' stable sort), the order of images in either file does not (ids are sorted).
 */
class CocoTieOrderTest {
    private static final CocoGroundTruth GT = CocoGroundTruth.read(CocoFixtures.root().resolve("gen_ones/gt.json"));
    private static final List<CocoDetection> DT = CocoResultsReader.read(CocoFixtures.root().resolve("gen_ones/dt.json"));

    private static double[] stats(CocoGroundTruth gt, List<CocoDetection> dt) {
        return new CocoEvaluator().evaluate(gt, dt, "dt").stats();
    }

    @Test
    void interleavingImagesInTheResultsFileChangesNothing() {
        List<CocoDetection> byImage = new ArrayList<>(DT);
        byImage.sort(Comparator.comparingLong(CocoDetection::imageId).reversed()); // stable: within-image order kept
        assertArrayEquals(stats(GT, DT), stats(GT, byImage));
    }

    @Test
    void listingImagesAndCategoriesInAnotherOrderChangesNothing() {
        List<CocoImage> images = new ArrayList<>(GT.images());
        List<CocoCategory> cats = new ArrayList<>(GT.categories());
        Collections.shuffle(images, new Random(3));
        Collections.reverse(cats);
        assertArrayEquals(stats(GT, DT), stats(new CocoGroundTruth(images, cats, GT.annotations()), DT));
    }

    @Test
    void reversingFileOrderWithinImagesChangesTheNumbers() {
        List<CocoDetection> reversed = new ArrayList<>(DT);
        Collections.reverse(reversed);
        assertFalse(Arrays.equals(stats(GT, DT), stats(GT, reversed)), "ties must follow file order");
    }

    @Test
    void thresholdsAreNumpysLinspace() {
        double[] iou = Linspace.cocoIouThresholds();
        assertEquals(0.8999999999999999, iou[8]);
        assertEquals(0.75, iou[5]);
        assertEquals(0.95, iou[9]);
        double[] rec = Linspace.cocoRecallThresholds();
        assertEquals(101, rec.length);
        assertEquals(0.5700000000000001, rec[57]);
        assertEquals(1.0, rec[100]);
    }

    @Test
    void numpyMeanUsesPairwiseBlocks() {
        // 0.1 summed naively drifts differently from numpy's pairwise sum; values recorded from numpy 1.24
        double[] v = new double[1000];
        Arrays.fill(v, 0.1);
        double naive = 0;
        for (double x : v) {
            naive += x;
        }
        double pairwise = NumpyMean.sum(v, v.length);
        assertTrue(naive != pairwise, "the test needs a case where the order matters");
        assertEquals(100.00000000000001, pairwise); // np.add.reduce(np.full(1000, 0.1))
    }
}
