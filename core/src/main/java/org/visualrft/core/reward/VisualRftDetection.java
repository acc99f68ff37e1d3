package org.visualrft.core.reward;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.visualrft.core.answer.OriginalBoxParsing;
import org.visualrft.core.answer.PythonText;
import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyNone;
import org.visualrft.core.answer.py.PyOps;
import org.visualrft.core.answer.py.PySort;

/**
 * The original detection rewards ({@code grpo.py}: {@code accuracy_reward_iou} and
 * {@code accuracy_reward_confidence}) run on Python values, so every value and every exception (which scores 0)
 * happens where CPython's would: dedup by tuple equality, stable sort by confidence, greedy matching with lazy IoU
 * evaluation, {@code compute_reward_iou_v2} and {@code compute_reward_confidence} with their clamps.
 * Both rewards share one evaluation; the last one per thread is cached because the trainer asks for both in turn.
 */
final class VisualRftDetection {
    /** The two reward values of one (completion, solution) pair. */
    record Scores(double iou, double confidence) {
    }

    static final Scores ZERO = new Scores(0.0, 0.0);
    private static final Long ONE = 1L;

    private record Memo(String completion, String solution, Scores scores) {
    }

    private static final ThreadLocal<Memo> LAST = new ThreadLocal<>();

    private VisualRftDetection() {
    }

    static Scores scores(String completion, String solution) {
        Memo m = LAST.get();
        if (m != null && m.completion == completion && m.solution == solution) {
            return m.scores;
        }
        Scores s = compute(completion, solution);
        LAST.set(new Memo(completion, solution, s));
        return s;
    }

    static Scores compute(String completion, String solution) {
        Scores fast = VisualRftDetectionFast.tryScores(completion, solution);
        return fast != null ? fast : computeWithoutFastPath(completion, solution);
    }

    /** The Python-object path alone (tests compare it with the fast path). */
    static Scores computeWithoutFastPath(String completion, String solution) {
        try {
            return evaluate(completion, solution);
        } catch (PyError | StackOverflowError e) {
            return ZERO;
        }
    }

    private static Scores evaluate(String completion, String solution) {
        Object gt = OriginalBoxParsing.extractBbox(PythonText.strip(solution));
        if (gt == PyNone.NONE) {
            // every path from here raises or returns 0: a None student scores 0, a list reaches enumerate(None)
            return ZERO;
        }
        Object student = OriginalBoxParsing.extractBbox(OriginalBoxParsing.studentString(completion));
        if (student == PyNone.NONE || !PyOps.isDict(PyOps.first(student))) {
            return ZERO;
        }
        List<Object> preds = removeDuplicates(PyOps.iterate(student));
        Object[] keys = new Object[preds.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = PyOps.getItem(preds.get(i), "Confidence");
        }
        int[] order = PySort.descending(keys);
        int n = order.length;
        double[] ious = new double[n];
        boolean[] matched = new boolean[n];
        Object[] confs = new Object[n];
        boolean[] used = new boolean[PyOps.iterate(gt).size()];
        for (int k = 0; k < n; k++) {
            Object pred = preds.get(order[k]);
            double best = 0.0;
            int bestJ = -1;
            List<Object> gts = PyOps.iterate(gt);
            for (int j = 0; j < gts.size(); j++) {
                if (!used[j]) {
                    double v = iou(PyOps.getItem(gts.get(j), "Position"), PyOps.getItem(pred, "Position"));
                    if (v > best) {
                        best = v;
                        bestJ = j;
                    }
                }
            }
            confs[k] = PyOps.getItem(pred, "Confidence");
            if (best > 0.5) {
                ious[k] = best;
                matched[k] = true;
                used[bestJ] = true;
            }
        }
        int lenGt = PyOps.len(gt);
        // compute_reward_iou_v2 / compute_reward_confidence: one loop, same arithmetic and exceptions
        double iouSum = 0.0;
        double confSum = 0.0;
        for (int k = 0; k < n; k++) {
            iouSum += matched[k] ? ious[k] : 0.0;
            Object term = matched[k] ? confs[k] : PyOps.sub(ONE, confs[k]);
            confSum = (double) PyOps.add(confSum, term);
        }
        double iouReward = iouSum / (lenGt >= n ? lenGt : n);
        if (iouReward > 1) {
            iouReward = 1.0;
        }
        double confReward = confSum / n;
        if (confReward > 1) {
            confReward = 1.0;
        }
        if (confReward < 0) {
            confReward = 0.0;
        }
        return new Scores(iouReward, confReward);
    }

    /** {@code remove_duplicates}: Position as a hashable tuple; first occurrence kept. */
    private static List<Object> removeDuplicates(List<Object> items) {
        List<Object> out = new ArrayList<>(items.size());
        Set<List<Object>> seen = new HashSet<>();
        for (Object item : items) {
            List<Object> position = PyOps.iterate(PyOps.getItem(item, "Position"));
            List<Object> key = new ArrayList<>(position.size());
            for (Object x : position) {
                key.add(PyOps.hashKey(x));
            }
            if (seen.add(key)) {
                out.add(item);
            }
        }
        return out;
    }

    /** {@code calculate_iou(bbox1, bbox2)} on Python values. */
    private static double iou(Object box1, Object box2) {
        Object[] a = unpack4(box1);
        Object[] b = unpack4(box2);
        if (doubleTwinExact(a) && doubleTwinExact(b)) {
            return iouInDoubles(a, b);
        }
        Object xi1 = PyOps.max(a[0], b[0]);
        Object yi1 = PyOps.max(a[1], b[1]);
        Object xi2 = PyOps.min(a[2], b[2]);
        Object yi2 = PyOps.min(a[3], b[3]);
        if (PyOps.compare(xi2, xi1, PyOps.Cmp.LE) || PyOps.compare(yi2, yi1, PyOps.Cmp.LE)) {
            return 0.0;
        }
        Object inter = PyOps.mul(PyOps.sub(xi2, xi1), PyOps.sub(yi2, yi1));
        Object area1 = PyOps.mul(PyOps.sub(a[2], a[0]), PyOps.sub(a[3], a[1]));
        Object area2 = PyOps.mul(PyOps.sub(b[2], b[0]), PyOps.sub(b[3], b[1]));
        Object union = PyOps.sub(PyOps.add(area1, area2), inter);
        return PyOps.truediv(inter, union);
    }

    private static final long SMALL_INT = 1L << 24;

    /**
     * True when every value is a float, or an int (bool included) below 2^24 in magnitude: then each Python
     * operation of calculate_iou has a double twin with the same result (int sums and products stay below 2^53
     * and are exact; a mixed operation converts the int exactly, as Python does; float operations are IEEE in both).
     */
    private static boolean doubleTwinExact(Object[] v) {
        for (Object o : v) {
            if (o instanceof Long l) {
                if (Math.abs(l) >= SMALL_INT) {
                    return false;
                }
            } else if (!(o instanceof Double) && !(o instanceof Boolean)) {
                return false;
            }
        }
        return true;
    }

    private static double num(Object o) {
        return o instanceof Double d ? d : o instanceof Long l ? (double) l : ((Boolean) o ? 1.0 : 0.0);
    }

    private static double iouInDoubles(Object[] ao, Object[] bo) {
        double ax1 = num(ao[0]), ay1 = num(ao[1]), ax2 = num(ao[2]), ay2 = num(ao[3]);
        double bx1 = num(bo[0]), by1 = num(bo[1]), bx2 = num(bo[2]), by2 = num(bo[3]);
        double xi1 = bx1 > ax1 ? bx1 : ax1;
        double yi1 = by1 > ay1 ? by1 : ay1;
        double xi2 = bx2 < ax2 ? bx2 : ax2;
        double yi2 = by2 < ay2 ? by2 : ay2;
        if (xi2 <= xi1 || yi2 <= yi1) {
            return 0.0;
        }
        double inter = (xi2 - xi1) * (yi2 - yi1);
        double union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        if (union == 0.0) {
            throw PyError.ZERO_DIVISION;
        }
        return inter / union;
    }

    private static Object[] unpack4(Object box) {
        List<Object> items = PyOps.iterate(box);
        if (items.size() != 4) {
            throw PyError.VALUE;
        }
        return items.toArray();
    }
}
