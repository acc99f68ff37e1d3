package org.visualrft.core.eval.coco;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.AreaRange;
import org.visualrft.core.eval.BoxIou;
import org.visualrft.core.eval.GreedyMatcher;
import org.visualrft.core.eval.PrecisionCurve;
import org.visualrft.core.eval.StableScoreOrder;

/**
 * COCO bbox evaluation with pycocotools' exact semantics ({@code COCOeval(gt, dt, 'bbox')}: evaluate, accumulate,
 * summarize). Categories are independent, so they are evaluated in parallel; the result does not depend on the
 * number of threads.
 *
 * <p>Ordering that decides ties is the reference's: ground truth and detections per (image, category) in file
 * order, detections sorted by descending score with a stable sort and cut to the largest maxDets before matching;
 * across images, ascending image id, then a stable sort by score.
 */
public final class CocoEvaluator {
    private final CocoEvalParams params;
    private final boolean parallel;

    public CocoEvaluator() {
        this(CocoEvalParams.defaults(), true);
    }

    public CocoEvaluator(CocoEvalParams params, boolean parallel) {
        this.params = params;
        this.parallel = parallel;
    }

    /**
     * Evaluates {@code detections} against {@code gt}. Detections naming an image the ground truth lacks are bad
     * input (pycocotools refuses them too); {@code resultsName} names their source in the error. Detections of
     * categories the ground truth does not list are left out, as pycocotools does, and counted in the result.
     */
    public CocoEvalResult evaluate(CocoGroundTruth gt, List<CocoDetection> detections, String resultsName) {
        long[] imgIds = gt.images().stream().mapToLong(CocoImage::id).sorted().distinct().toArray();
        long[] catIds = gt.categories().stream().mapToLong(CocoCategory::id).sorted().distinct().toArray();
        int nImg = imgIds.length;

        // ground truth grouped by (category, image), file order kept inside a group
        List<CocoAnnotation> anns = gt.annotations();
        long[] gtKeys = new long[anns.size()];
        int nGt = 0;
        for (int i = 0; i < anns.size(); i++) {
            CocoAnnotation a = anns.get(i);
            int im = Arrays.binarySearch(imgIds, a.imageId());
            int c = Arrays.binarySearch(catIds, a.categoryId());
            if (im < 0 || c < 0) {
                continue; // pycocotools only looks up annotations of listed images and categories
            }
            gtKeys[nGt++] = groupKey(c, im, nImg) << 32 | i;
        }
        gtKeys = sortedPrefix(gtKeys, nGt);

        long[] dtKeys = new long[detections.size()];
        int nDt = 0;
        int unknownCategory = 0;
        Map<Long, Integer> unknownImages = new HashMap<>();
        for (int i = 0; i < detections.size(); i++) {
            CocoDetection d = detections.get(i);
            int im = Arrays.binarySearch(imgIds, d.imageId());
            if (im < 0) {
                unknownImages.merge(d.imageId(), 1, Integer::sum);
                continue;
            }
            int c = Arrays.binarySearch(catIds, d.categoryId());
            if (c < 0) {
                unknownCategory++;
                continue;
            }
            dtKeys[nDt++] = groupKey(c, im, nImg) << 32 | i;
        }
        if (!unknownImages.isEmpty()) {
            long first = unknownImages.keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
            int count = unknownImages.values().stream().mapToInt(Integer::intValue).sum();
            throw new BadInputException(resultsName, count + " detection(s) name " + unknownImages.size()
                    + " image id(s) that the ground truth lacks (first: " + first + ")");
        }
        dtKeys = sortedPrefix(dtKeys, nDt);

        int nCat = catIds.length;
        int[] gtStart = groupStarts(gtKeys, nCat, nImg);
        int[] dtStart = groupStarts(dtKeys, nCat, nImg);
        int T = params.iouThresholds().length;
        int R = params.recallThresholds().length;
        int A = params.areaRanges().size();
        int M = params.maxDets().length;
        double[] precision = new double[T * R * nCat * A * M];
        double[] recall = new double[T * nCat * A * M];
        Arrays.fill(precision, -1.0);
        Arrays.fill(recall, -1.0);
        IntStream cats = IntStream.range(0, nCat);
        if (parallel) {
            cats = cats.parallel();
        }
        final long[] gk = gtKeys;
        final long[] dk = dtKeys;
        cats.forEach(k -> new CategoryEvaluation(params, anns, detections, gk, dk, gtStart, dtStart, nImg, k, nCat)
                .run(precision, recall));
        return new CocoEvalResult(params, imgIds, catIds, precision, recall, unknownCategory);
    }

    private static long groupKey(int cat, int img, int nImg) {
        return (long) cat * nImg + img;
    }

    /** Sorts keys {@code (group << 32 | fileIndex)}: groups in order, file order within a group. */
    private static long[] sortedPrefix(long[] keys, int n) {
        long[] out = Arrays.copyOf(keys, n);
        Arrays.sort(out);
        return out;
    }

    /** For each category k, the first position in {@code keys} of its groups; one extra entry at the end. */
    private static int[] groupStarts(long[] keys, int nCat, int nImg) {
        int[] start = new int[nCat + 1];
        int p = 0;
        for (int k = 0; k <= nCat; k++) {
            long firstKey = (long) k * nImg;
            while (p < keys.length && (keys[p] >>> 32) < firstKey) {
                p++;
            }
            start[k] = p;
        }
        return start;
    }

    /** evaluateImg for every image of one category, then accumulate for that category. */
    private static final class CategoryEvaluation {
        private final CocoEvalParams p;
        private final List<CocoAnnotation> anns;
        private final List<CocoDetection> dets;
        private final long[] gtKeys;
        private final long[] dtKeys;
        private final int gFrom;
        private final int gTo;
        private final int dFrom;
        private final int dTo;
        private final int nImg;
        private final int k;
        private final int nCat;

        CategoryEvaluation(CocoEvalParams p, List<CocoAnnotation> anns, List<CocoDetection> dets, long[] gtKeys,
                long[] dtKeys, int[] gtStart, int[] dtStart, int nImg, int k, int nCat) {
            this.p = p;
            this.anns = anns;
            this.dets = dets;
            this.gtKeys = gtKeys;
            this.dtKeys = dtKeys;
            this.gFrom = gtStart[k];
            this.gTo = gtStart[k + 1];
            this.dFrom = dtStart[k];
            this.dTo = dtStart[k + 1];
            this.nImg = nImg;
            this.k = k;
            this.nCat = nCat;
        }

        void run(double[] precision, double[] recall) {
            int A = p.areaRanges().size();
            int maxDet = p.maxDetsLast();
            int capacity = dTo - dFrom;
            double[] scores = new double[capacity];
            int[] rank = new int[capacity];
            int[][] outcome = new int[A][capacity];
            int[] groundTruth = new int[A];
            int n = 0;
            int gi = gFrom;
            int di = dFrom;
            long base = (long) k * nImg;
            while (gi < gTo || di < dTo) {
                long gGroup = gi < gTo ? gtKeys[gi] >>> 32 : Long.MAX_VALUE;
                long dGroup = di < dTo ? dtKeys[di] >>> 32 : Long.MAX_VALUE;
                long group = Math.min(gGroup, dGroup);
                int g0 = gi;
                while (gi < gTo && (gtKeys[gi] >>> 32) == group) {
                    gi++;
                }
                int d0 = di;
                while (di < dTo && (dtKeys[di] >>> 32) == group) {
                    di++;
                }
                assert group >= base;
                n = image(g0, gi, d0, di, maxDet, scores, rank, outcome, groundTruth, n);
            }
            accumulate(scores, rank, outcome, groundTruth, n, precision, recall);
        }

        /** evaluateImg for one image, all area ranges; appends its kept detections at position n. */
        private int image(int g0, int g1, int d0, int d1, int maxDet, double[] scores, int[] rank, int[][] outcome,
                int[] groundTruth, int n) {
            int G = g1 - g0;
            double[] fileScores = new double[d1 - d0];
            for (int i = d0; i < d1; i++) {
                fileScores[i - d0] = dets.get((int) dtKeys[i]).score();
            }
            int[] order = StableScoreOrder.descending(fileScores);
            int D = Math.min(order.length, maxDet);
            CocoDetection[] dt = new CocoDetection[D];
            for (int j = 0; j < D; j++) {
                dt[j] = dets.get((int) dtKeys[d0 + order[j]]);
            }
            CocoAnnotation[] gt = new CocoAnnotation[G];
            boolean[] crowd = new boolean[G];
            boolean[] idNonZero = new boolean[G];
            for (int j = 0; j < G; j++) {
                gt[j] = anns.get((int) gtKeys[g0 + j]);
                crowd[j] = gt[j].crowd();
                idNonZero[j] = gt[j].id() != 0;
            }
            double[] ious = new double[D * G];
            for (int d = 0; d < D; d++) {
                CocoDetection x = dt[d];
                for (int g = 0; g < G; g++) {
                    CocoAnnotation y = gt[g];
                    ious[d * G + g] = BoxIou.iou(x.x(), x.y(), x.width(), x.height(), y.x(), y.y(), y.width(),
                            y.height(), y.crowd());
                }
            }
            boolean[] gtIgnored = new boolean[G];
            boolean[] outOfRange = new boolean[D];
            int[] out = new int[D];
            for (int a = 0; a < p.areaRanges().size(); a++) {
                AreaRange range = p.areaRanges().get(a);
                int counted = 0;
                for (int g = 0; g < G; g++) {
                    gtIgnored[g] = gt[g].crowd() || range.excludes(gt[g].area());
                    if (!gtIgnored[g]) {
                        counted++;
                    }
                }
                groundTruth[a] += counted;
                for (int d = 0; d < D; d++) {
                    outOfRange[d] = range.excludes(dt[d].area());
                }
                int[] visit = GreedyMatcher.ignoredLast(gtIgnored, G);
                GreedyMatcher.match(ious, D, G, visit, gtIgnored, crowd, idNonZero, outOfRange,
                        p.iouThresholds(), out);
                System.arraycopy(out, 0, outcome[a], n, D);
            }
            for (int d = 0; d < D; d++) {
                scores[n + d] = dt[d].score();
                rank[n + d] = d;
            }
            return n + D;
        }

        private void accumulate(double[] scores, int[] rank, int[][] outcome, int[] groundTruth, int n,
                double[] precision, double[] recall) {
            int T = p.iouThresholds().length;
            int R = p.recallThresholds().length;
            int A = p.areaRanges().size();
            int M = p.maxDets().length;
            int[] sorted = StableScoreOrder.descending(scores, 0, n);
            PrecisionCurve curve = new PrecisionCurve(n);
            int[] kept = new int[n];
            for (int m = 0; m < M; m++) {
                int maxDet = p.maxDets()[m];
                int nd = 0;
                for (int i = 0; i < n; i++) {
                    if (rank[sorted[i]] < maxDet) {
                        kept[nd++] = sorted[i];
                    }
                }
                for (int a = 0; a < A; a++) {
                    if (groundTruth[a] == 0) {
                        continue; // no non-ignored ground truth: stays -1
                    }
                    for (int t = 0; t < T; t++) {
                        // precision[t][r][k][a][m]: r varies with stride nCat * A * M
                        int offset = ((t * R) * nCat + k) * A * M + a * M + m;
                        double rc = curve.sample(outcome[a], kept, nd, t, groundTruth[a], p.recallThresholds(),
                                precision, offset, nCat * A * M);
                        recall[((t * nCat + k) * A + a) * M + m] = rc;
                    }
                }
            }
        }
    }
}
