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
import org.visualrft.core.eval.IdIndex;
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
        IdIndex imgIndex = new IdIndex(imgIds);
        IdIndex catIndex = new IdIndex(catIds);
        int nImg = imgIds.length;

        // ground truth grouped by (category, image), file order kept inside a group
        Boxes gtBoxes = Boxes.ofAnnotations(gt.annotations());
        long[] gtKeys = new long[gtBoxes.size()];
        int nGt = 0;
        for (int i = 0; i < gtBoxes.size(); i++) {
            CocoAnnotation a = gt.annotations().get(i);
            int im = imgIndex.indexOf(a.imageId());
            int c = catIndex.indexOf(a.categoryId());
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
            int im = imgIndex.indexOf(d.imageId());
            if (im < 0) {
                unknownImages.merge(d.imageId(), 1, Integer::sum);
                continue;
            }
            int c = catIndex.indexOf(d.categoryId());
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
        Boxes dtBoxes = Boxes.ofDetections(detections);

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
        cats.forEach(k -> new CategoryEvaluation(params, gtBoxes, dtBoxes, gk, dk, gtStart, dtStart, k, nCat)
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

    /** Boxes as flat arrays, indexed by file position: the hot loops read these instead of records. */
    record Boxes(double[] x, double[] y, double[] w, double[] h, double[] area, double[] score, boolean[] crowd,
            boolean[] idNonZero) {
        int size() {
            return x.length;
        }

        static Boxes ofAnnotations(List<CocoAnnotation> anns) {
            int n = anns.size();
            Boxes b = new Boxes(new double[n], new double[n], new double[n], new double[n], new double[n], null,
                    new boolean[n], new boolean[n]);
            for (int i = 0; i < n; i++) {
                CocoAnnotation a = anns.get(i);
                b.x[i] = a.x();
                b.y[i] = a.y();
                b.w[i] = a.width();
                b.h[i] = a.height();
                b.area[i] = a.area();
                b.crowd[i] = a.crowd();
                b.idNonZero[i] = a.id() != 0;
            }
            return b;
        }

        static Boxes ofDetections(List<CocoDetection> dets) {
            int n = dets.size();
            Boxes b = new Boxes(new double[n], new double[n], new double[n], new double[n], new double[n],
                    new double[n], null, null);
            for (int i = 0; i < n; i++) {
                CocoDetection d = dets.get(i);
                b.x[i] = d.x();
                b.y[i] = d.y();
                b.w[i] = d.width();
                b.h[i] = d.height();
                b.area[i] = d.area();
                b.score[i] = d.score();
            }
            return b;
        }
    }

    /** evaluateImg for every image of one category, then accumulate for that category. */
    private static final class CategoryEvaluation {
        private final CocoEvalParams p;
        private final Boxes gt;
        private final Boxes dt;
        private final long[] gtKeys;
        private final long[] dtKeys;
        private final int gFrom;
        private final int gTo;
        private final int dFrom;
        private final int dTo;
        private final int k;
        private final int nCat;

        CategoryEvaluation(CocoEvalParams p, Boxes gt, Boxes dt, long[] gtKeys, long[] dtKeys, int[] gtStart,
                int[] dtStart, int k, int nCat) {
            this.p = p;
            this.gt = gt;
            this.dt = dt;
            this.gtKeys = gtKeys;
            this.dtKeys = dtKeys;
            this.gFrom = gtStart[k];
            this.gTo = gtStart[k + 1];
            this.dFrom = dtStart[k];
            this.dTo = dtStart[k + 1];
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
            Workspace ws = new Workspace();
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
                n = image(g0, gi, d0, di, maxDet, scores, rank, outcome, groundTruth, n, ws);
            }
            accumulate(scores, rank, outcome, groundTruth, n, precision, recall);
        }

        /** Per-image scratch arrays, grown as needed. */
        private static final class Workspace {
            double[] fileScores = new double[16];
            int[] dt = new int[16];
            int[] gt = new int[16];
            double[] ious = new double[256];
            boolean[] gtIgnored = new boolean[16];
            boolean[] crowd = new boolean[16];
            boolean[] idNonZero = new boolean[16];
            boolean[] outOfRange = new boolean[16];
            int[] out = new int[16];

            void ensure(int d, int g) {
                if (fileScores.length < d) {
                    fileScores = new double[d];
                }
                if (this.dt.length < d) {
                    this.dt = new int[d];
                    outOfRange = new boolean[d];
                    out = new int[d];
                }
                if (this.gt.length < g) {
                    this.gt = new int[g];
                    gtIgnored = new boolean[g];
                    crowd = new boolean[g];
                    idNonZero = new boolean[g];
                }
                if (ious.length < d * g) {
                    ious = new double[d * g];
                }
            }
        }

        /** evaluateImg for one image, all area ranges; appends its kept detections at position n. */
        private int image(int g0, int g1, int d0, int d1, int maxDet, double[] scores, int[] rank, int[][] outcome,
                int[] groundTruth, int n, Workspace ws) {
            int G = g1 - g0;
            int fileD = d1 - d0;
            ws.ensure(fileD, G);
            double[] fileScores = ws.fileScores;
            for (int i = 0; i < fileD; i++) {
                fileScores[i] = dt.score[(int) dtKeys[d0 + i]];
            }
            int[] order = StableScoreOrder.descending(fileScores, 0, fileD);
            int D = Math.min(fileD, maxDet);
            int[] di = ws.dt;
            for (int j = 0; j < D; j++) {
                di[j] = (int) dtKeys[d0 + order[j]];
            }
            int[] gIdx = ws.gt;
            for (int j = 0; j < G; j++) {
                int g = (int) gtKeys[g0 + j];
                gIdx[j] = g;
                ws.crowd[j] = gt.crowd[g];
                ws.idNonZero[j] = gt.idNonZero[g];
            }
            double[] ious = ws.ious;
            for (int d = 0; d < D; d++) {
                int a = di[d];
                for (int j = 0; j < G; j++) {
                    int g = gIdx[j];
                    ious[d * G + j] = BoxIou.iou(dt.x[a], dt.y[a], dt.w[a], dt.h[a], gt.x[g], gt.y[g], gt.w[g],
                            gt.h[g], gt.crowd[g]);
                }
            }
            for (int a = 0; a < p.areaRanges().size(); a++) {
                AreaRange range = p.areaRanges().get(a);
                int counted = 0;
                for (int j = 0; j < G; j++) {
                    int g = gIdx[j];
                    ws.gtIgnored[j] = gt.crowd[g] || range.excludes(gt.area[g]);
                    if (!ws.gtIgnored[j]) {
                        counted++;
                    }
                }
                groundTruth[a] += counted;
                for (int d = 0; d < D; d++) {
                    ws.outOfRange[d] = range.excludes(dt.area[di[d]]);
                }
                int[] visit = GreedyMatcher.ignoredLast(ws.gtIgnored, G);
                GreedyMatcher.match(ious, D, G, visit, ws.gtIgnored, ws.crowd, ws.idNonZero, ws.outOfRange,
                        p.iouThresholds(), ws.out);
                System.arraycopy(ws.out, 0, outcome[a], n, D);
            }
            for (int d = 0; d < D; d++) {
                scores[n + d] = dt.score[di[d]];
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
            PrecisionCurve curve = new PrecisionCurve(n, T);
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
                    // precision[t][r][k][a][m] and recall[t][k][a][m], numpy C order
                    curve.sample(outcome[a], kept, nd, groundTruth[a], p.recallThresholds(),
                            precision, (k * A + a) * M + m, R * nCat * A * M, nCat * A * M,
                            recall, (k * A + a) * M + m, nCat * A * M);
                }
            }
        }
    }
}
