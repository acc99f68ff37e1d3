package org.visualrft.core.eval.lvis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.AreaRange;
import org.visualrft.core.eval.BoxIou;
import org.visualrft.core.eval.GreedyMatcher;
import org.visualrft.core.eval.Linspace;
import org.visualrft.core.eval.PrecisionCurve;
import org.visualrft.core.eval.StableScoreOrder;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;

/**
 * LVIS federated bbox evaluation with the semantics of the official lvis-api ({@code LVISResults(gt, dt,
 * max_dets=300)} then {@code LVISEval(gt, results, 'bbox').run()}):
 * <ul>
 *   <li>results keep at most {@code maxDetsPerImage} detections per image (highest scores, ties in file order);</li>
 *   <li>annotations and detections count only with {@code 0 < area < inf} (the API's area filter is strict);</li>
 *   <li>a detection counts on an image only for a category that is annotated there (positive) or listed in the
 *       image's {@code neg_category_ids}; others are dropped without penalty;</li>
 *   <li>an unmatched detection of a category in the image's {@code not_exhaustive_category_ids} is ignored;</li>
 *   <li>no crowd handling; ground truth may carry an {@code ignore} flag; no per-category detection limit;</li>
 *   <li>AP is split by category frequency: r (rare), c (common), f (frequent).</li>
 * </ul>
 */
public final class LvisEvaluator {
    /** The official limit of detections per image. */
    public static final int DEFAULT_MAX_DETS = 300;

    private final int maxDetsPerImage;
    private final boolean parallel;
    final double[] iouThresholds = Linspace.cocoIouThresholds();
    final double[] recallThresholds = Linspace.cocoRecallThresholds();
    final List<AreaRange> areas = AreaRange.COCO;

    public LvisEvaluator() {
        this(DEFAULT_MAX_DETS, true);
    }

    /** {@code maxDetsPerImage} < 0 keeps every detection. */
    public LvisEvaluator(int maxDetsPerImage, boolean parallel) {
        this.maxDetsPerImage = maxDetsPerImage;
        this.parallel = parallel;
    }

    public int maxDetsPerImage() {
        return maxDetsPerImage;
    }

    /**
     * @param gtName      names the ground truth in errors (it must carry LVIS's per-image lists and frequencies)
     * @param resultsName names the results in errors
     */
    public LvisEvalResult evaluate(CocoGroundTruth gt, List<CocoDetection> detections, String gtName,
            String resultsName) {
        long[] imgIds = gt.images().stream().mapToLong(CocoImage::id).sorted().toArray();
        long[] catIds = gt.categories().stream().mapToLong(CocoCategory::id).sorted().toArray();
        Map<Long, Integer> imgIndex = indexOf(imgIds);
        Map<Long, Integer> catIndex = indexOf(catIds);
        int nImg = imgIds.length;
        int nCat = catIds.length;

        Map<Long, String> frequency = new HashMap<>();
        for (CocoCategory c : gt.categories()) {
            if (c.frequency() == null || !List.of("r", "c", "f").contains(c.frequency())) {
                throw new BadInputException(gtName, "category " + c.id() + " has no LVIS \"frequency\" (r, c or f)");
            }
            frequency.put(c.id(), c.frequency());
        }
        List<Set<Long>> negative = new ArrayList<>(nImg);
        List<Set<Long>> notExhaustive = new ArrayList<>(nImg);
        for (int i = 0; i < nImg; i++) {
            negative.add(null);
            notExhaustive.add(null);
        }
        for (CocoImage im : gt.images()) {
            if (im.negCategoryIds() == null || im.notExhaustiveCategoryIds() == null) {
                throw new BadInputException(gtName, "image " + im.id() + " lacks LVIS's \"neg_category_ids\" or "
                        + "\"not_exhaustive_category_ids\"");
            }
            int i = imgIndex.get(im.id());
            negative.set(i, new HashSet<>(im.negCategoryIds()));
            notExhaustive.set(i, new HashSet<>(im.notExhaustiveCategoryIds()));
        }

        List<CocoDetection> kept = limitPerImage(detections, imgIndex, resultsName);

        // ground truth by (category, image), file order within; only 0 < area < inf counts (lvis-api filter)
        List<TreeMap<Integer, List<CocoAnnotation>>> gts = buckets(nCat);
        List<Set<Long>> positive = new ArrayList<>(nImg);
        for (int i = 0; i < nImg; i++) {
            positive.add(new HashSet<>());
        }
        for (CocoAnnotation a : gt.annotations()) {
            Integer im = imgIndex.get(a.imageId());
            Integer c = catIndex.get(a.categoryId());
            if (im == null || c == null || !(a.area() > 0 && a.area() < Double.POSITIVE_INFINITY)) {
                continue;
            }
            bucket(gts, c, im).add(a);
            positive.get(im).add(a.categoryId());
        }
        List<TreeMap<Integer, List<CocoDetection>>> dts = buckets(nCat);
        for (CocoDetection d : kept) {
            int im = imgIndex.get(d.imageId());
            Integer c = catIndex.get(d.categoryId());
            double area = d.area();
            if (c == null || !(area > 0 && area < Double.POSITIVE_INFINITY)) {
                continue;
            }
            if (!negative.get(im).contains(d.categoryId()) && !positive.get(im).contains(d.categoryId())) {
                continue; // federated: no information about this category on this image
            }
            bucket(dts, c, im).add(d);
        }

        int T = iouThresholds.length;
        int R = recallThresholds.length;
        int A = areas.size();
        double[] precision = new double[T * R * nCat * A];
        double[] recall = new double[T * nCat * A];
        Arrays.fill(precision, -1.0);
        Arrays.fill(recall, -1.0);
        IntStream cats = IntStream.range(0, nCat);
        if (parallel) {
            cats = cats.parallel();
        }
        cats.forEach(k -> evaluateCategory(k, nCat, gts.get(k), dts.get(k), notExhaustive, catIds[k], precision,
                recall));

        List<List<Integer>> groups = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (int k = 0; k < nCat; k++) {
            groups.get("rcf".indexOf(frequency.get(catIds[k]))).add(k);
        }
        return new LvisEvalResult(this, catIds, precision, recall, groups, detections.size() - kept.size());
    }

    /** LVISResults.limit_dets_per_image, and its check that every result names a ground-truth image. */
    private List<CocoDetection> limitPerImage(List<CocoDetection> detections, Map<Long, Integer> imgIndex,
            String resultsName) {
        Map<Long, List<Integer>> perImage = new LinkedHashMap<>();
        for (int i = 0; i < detections.size(); i++) {
            long img = detections.get(i).imageId();
            if (!imgIndex.containsKey(img)) {
                throw new BadInputException(resultsName, "detection [" + i + "] names image id " + img
                        + " that the ground truth lacks");
            }
            perImage.computeIfAbsent(img, x -> new ArrayList<>()).add(i);
        }
        if (maxDetsPerImage < 0) {
            return detections;
        }
        boolean[] keep = new boolean[detections.size()];
        for (List<Integer> idx : perImage.values()) {
            if (idx.size() <= maxDetsPerImage) {
                idx.forEach(i -> keep[i] = true);
                continue;
            }
            double[] s = new double[idx.size()];
            for (int j = 0; j < s.length; j++) {
                s[j] = detections.get(idx.get(j)).score();
            }
            int[] order = StableScoreOrder.descending(s);
            for (int j = 0; j < maxDetsPerImage; j++) {
                keep[idx.get(order[j])] = true;
            }
        }
        // file order survives within each (image, category) up to the stable re-sort the evaluation does anyway
        List<CocoDetection> out = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                out.add(detections.get(i));
            }
        }
        return out;
    }

    private void evaluateCategory(int k, int nCat, TreeMap<Integer, List<CocoAnnotation>> gtByImage,
            TreeMap<Integer, List<CocoDetection>> dtByImage, List<Set<Long>> notExhaustive, long catId,
            double[] precision, double[] recall) {
        int A = areas.size();
        int T = iouThresholds.length;
        int R = recallThresholds.length;
        int n = 0;
        for (List<CocoDetection> l : dtByImage.values()) {
            n += l.size();
        }
        TreeSet<Integer> images = new TreeSet<>(gtByImage.keySet());
        images.addAll(dtByImage.keySet());
        double[] scores = new double[n];
        int[][] outcome = new int[A][n];
        int[] groundTruth = new int[A];
        int pos = 0;
        for (int im : images) {
            List<CocoAnnotation> gt = gtByImage.getOrDefault(im, List.of());
            List<CocoDetection> dtFile = dtByImage.getOrDefault(im, List.of());
            double[] s = new double[dtFile.size()];
            for (int j = 0; j < s.length; j++) {
                s[j] = dtFile.get(j).score();
            }
            int[] order = StableScoreOrder.descending(s);
            int D = order.length;
            int G = gt.size();
            CocoDetection[] dt = new CocoDetection[D];
            for (int j = 0; j < D; j++) {
                dt[j] = dtFile.get(order[j]);
            }
            double[] ious = new double[D * G];
            boolean[] idNonZero = new boolean[G];
            for (int g = 0; g < G; g++) {
                idNonZero[g] = gt.get(g).id() != 0;
            }
            for (int d = 0; d < D; d++) {
                for (int g = 0; g < G; g++) {
                    CocoAnnotation y = gt.get(g);
                    ious[d * G + g] = BoxIou.iou(dt[d].x(), dt[d].y(), dt[d].width(), dt[d].height(), y.x(), y.y(),
                            y.width(), y.height(), false);
                }
            }
            boolean notExhaustiveHere = notExhaustive.get(im).contains(catId);
            boolean[] gtIgnored = new boolean[G];
            boolean[] ignoreIfUnmatched = new boolean[D];
            int[] out = new int[D];
            for (int a = 0; a < A; a++) {
                AreaRange range = areas.get(a);
                for (int g = 0; g < G; g++) {
                    CocoAnnotation y = gt.get(g);
                    gtIgnored[g] = y.ignore() || range.excludes(y.area());
                    if (!gtIgnored[g]) {
                        groundTruth[a]++;
                    }
                }
                for (int d = 0; d < D; d++) {
                    ignoreIfUnmatched[d] = range.excludes(dt[d].area()) || notExhaustiveHere;
                }
                GreedyMatcher.match(ious, D, G, GreedyMatcher.ignoredLast(gtIgnored, G), gtIgnored, null, idNonZero,
                        ignoreIfUnmatched, iouThresholds, out);
                System.arraycopy(out, 0, outcome[a], pos, D);
            }
            for (int d = 0; d < D; d++) {
                scores[pos + d] = dt[d].score();
            }
            pos += D;
        }
        int[] sorted = StableScoreOrder.descending(scores, 0, n);
        PrecisionCurve curve = new PrecisionCurve(n, T);
        for (int a = 0; a < A; a++) {
            if (groundTruth[a] == 0) {
                continue;
            }
            // precision[t][r][k][a] and recall[t][k][a], numpy C order
            curve.sample(outcome[a], sorted, n, groundTruth[a], recallThresholds, precision, k * A + a,
                    R * nCat * A, nCat * A, recall, k * A + a, nCat * A);
        }
    }

    private static <T> List<TreeMap<Integer, List<T>>> buckets(int nCat) {
        List<TreeMap<Integer, List<T>>> b = new ArrayList<>(nCat);
        for (int k = 0; k < nCat; k++) {
            b.add(new TreeMap<>());
        }
        return b;
    }

    /** The list of one (category, image): sparse, as most categories appear on few of LVIS's 20k images. */
    private static <T> List<T> bucket(List<TreeMap<Integer, List<T>>> b, int cat, int img) {
        return b.get(cat).computeIfAbsent(img, x -> new ArrayList<>());
    }

    private static Map<Long, Integer> indexOf(long[] ids) {
        Map<Long, Integer> m = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++) {
            m.put(ids[i], i);
        }
        return m;
    }
}
