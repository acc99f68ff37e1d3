package org.visualrft.core.reward;

import org.visualrft.core.answer.AnswerTags;
import org.visualrft.core.answer.PythonText;
import org.visualrft.core.answer.SimpleBoxList;

/**
 * The common case of {@link VisualRftDetection} without Python objects: both lists of the simple shape
 * ({@link SimpleBoxList}), no {@code [[}, no truncation repair. Under those conditions every Python operation of the
 * original has a double twin with the same result (ints are below 2^24, so int arithmetic is exact in double; there
 * is no NaN, so the stable sort is a plain stable sort), and the only exception left is ZeroDivisionError on a zero
 * union. Returns null whenever the conditions do not hold; the caller then runs the full path.
 */
final class VisualRftDetectionFast {
    private final SimpleBoxList truth = new SimpleBoxList();
    private final SimpleBoxList student = new SimpleBoxList();
    private String truthSolution;
    private boolean truthOk;
    private int[] order = new int[8];
    private boolean[] used = new boolean[8];

    private static final ThreadLocal<VisualRftDetectionFast> PER_THREAD =
            ThreadLocal.withInitial(VisualRftDetectionFast::new);

    static VisualRftDetection.Scores tryScores(String completion, String solution) {
        return PER_THREAD.get().scores(completion, solution);
    }

    private VisualRftDetection.Scores scores(String completion, String solution) {
        if (solution != truthSolution) { // the G completions of one prompt share the solution string
            truthSolution = solution;
            truthOk = parseTruth(solution);
        }
        if (!truthOk) {
            return null;
        }
        long r = AnswerTags.searchRange(completion, false);
        if (r < 0) {
            // no tagged answer on one line: the original reads the whole completion; the same text reaches
            // extract_bbox unless a closing tag inside it ends the extraction early or a newline would be removed
            if (completion.indexOf(AnswerTags.CLOSE) >= 0 || completion.indexOf('\n') >= 0) {
                return null;
            }
            r = completion.length();
        }
        int from = PythonText.skipSpace(completion, (int) (r >>> 32), (int) r);
        int to = (int) r;
        while (to > from && PythonText.isSpace(completion.charAt(to - 1))) {
            to--;
        }
        if (to == from || completion.charAt(to - 1) != ']' || hasDoubleBracket(completion, from, to)) {
            return null;
        }
        if (student.parseTolerant(completion, from, to) == null) {
            return null;
        }
        if (student.count == 0) {
            return VisualRftDetection.ZERO; // student_answer_bbox[0] raises IndexError
        }
        return evaluate();
    }

    private boolean parseTruth(String solution) {
        String gt = PythonText.strip(solution);
        int open = gt.indexOf(AnswerTags.OPEN);
        if (open < 0) {
            return false;
        }
        int start = open + AnswerTags.OPEN.length();
        int end = gt.indexOf(AnswerTags.CLOSE);
        if (end < start || end == start || gt.charAt(end - 1) != ']') {
            return false; // no closing tag, empty, or needs the truncation repair: the full path decides
        }
        return truth.parseTolerant(gt, start, end) != null;
    }

    private static boolean hasDoubleBracket(String s, int from, int to) {
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if ((c == '[' || c == ']') && s.charAt(i - 1) == c) {
                return true;
            }
        }
        return false;
    }

    private VisualRftDetection.Scores evaluate() {
        final int w = SimpleBoxList.STRIDE;
        double[] p = student.coords;
        double[] conf = student.confidence;
        int[] plen = student.positionLength;
        // remove_duplicates: Position tuples equal by value (int 100 == float 100.0 == True), first kept;
        // bbox['Position'] raises KeyError for an element without it
        int n = 0;
        if (order.length < student.count) {
            order = new int[student.count * 2];
        }
        outer:
        for (int k = 0; k < student.count; k++) {
            if (plen[k] < 0) {
                return VisualRftDetection.ZERO;
            }
            for (int q = 0; q < n; q++) {
                int j = order[q];
                if (plen[j] == plen[k] && samePosition(p, w * j, w * k, plen[k])) {
                    continue outer;
                }
            }
            order[n++] = k;
        }
        // the sort key raises KeyError without a Confidence; a str/None confidence always raises later
        // (1 - c or 0.0 + c in compute_reward_*), so either way the reward is 0
        for (int q = 0; q < n; q++) {
            if (student.confidenceKind[order[q]] != 1) {
                return VisualRftDetection.ZERO;
            }
        }
        // stable sort by confidence, descending (insertion sort keeps ties in list order)
        for (int a = 1; a < n; a++) {
            int x = order[a];
            int b = a - 1;
            while (b >= 0 && conf[order[b]] < conf[x]) {
                order[b + 1] = order[b];
                b--;
            }
            order[b + 1] = x;
        }
        int m = truth.count;
        if (used.length < m) {
            used = new boolean[m * 2];
        }
        java.util.Arrays.fill(used, 0, m, false);
        double[] g = truth.coords;
        int[] glen = truth.positionLength;
        double iouSum = 0.0;
        double confSum = 0.0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            double best = 0.0;
            int bestJ = -1;
            for (int j = 0; j < m; j++) {
                if (!used[j]) {
                    // calculate_iou(gt['Position'], pred['Position']): KeyError, then unpacking ValueError
                    if (glen[j] != 4 || plen[i] != 4) {
                        return VisualRftDetection.ZERO;
                    }
                    double v = iou(g, w * j, p, w * i);
                    if (Double.isInfinite(v)) {
                        return VisualRftDetection.ZERO; // ZeroDivisionError
                    }
                    if (v > best) {
                        best = v;
                        bestJ = j;
                    }
                }
            }
            if (best > 0.5) {
                used[bestJ] = true;
                iouSum += best;
                confSum += conf[i];
            } else {
                confSum += 1.0 - conf[i];
            }
        }
        double iouReward = iouSum / (m >= n ? m : n);
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
        return new VisualRftDetection.Scores(iouReward, confReward);
    }

    private static boolean samePosition(double[] p, int a, int b, int len) {
        for (int k = 0; k < len; k++) {
            if (p[a + k] != p[b + k]) {
                return false;
            }
        }
        return true;
    }

    /** calculate_iou; +infinity stands for the original's ZeroDivisionError (a zero union). */
    private static double iou(double[] a, int ai, double[] b, int bi) {
        double xi1 = b[bi] > a[ai] ? b[bi] : a[ai];
        double yi1 = b[bi + 1] > a[ai + 1] ? b[bi + 1] : a[ai + 1];
        double xi2 = b[bi + 2] < a[ai + 2] ? b[bi + 2] : a[ai + 2];
        double yi2 = b[bi + 3] < a[ai + 3] ? b[bi + 3] : a[ai + 3];
        if (xi2 <= xi1 || yi2 <= yi1) {
            return 0.0;
        }
        double inter = (xi2 - xi1) * (yi2 - yi1);
        double area1 = (a[ai + 2] - a[ai]) * (a[ai + 3] - a[ai + 1]);
        double area2 = (b[bi + 2] - b[bi]) * (b[bi + 3] - b[bi + 1]);
        double union = area1 + area2 - inter;
        if (union == 0.0) {
            return Double.POSITIVE_INFINITY;
        }
        return inter / union;
    }
}
