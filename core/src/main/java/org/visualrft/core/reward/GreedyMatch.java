package org.visualrft.core.reward;

import java.util.List;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.geometry.Box;
import org.visualrft.core.geometry.Iou;

/**
 * Visual-RFT's matching on valid boxes: predictions in confidence order each take the unused ground-truth box of
 * highest IoU (first on ties) when that IoU is strictly above the threshold.
 */
final class GreedyMatch {
    private GreedyMatch() {
    }

    /** IoU of each prediction with the box it matched, or 0 when unmatched; same order as {@code preds}. */
    static double[] match(List<Box> truth, List<Prediction> preds, double threshold) {
        double[] out = new double[preds.size()];
        boolean[] used = new boolean[truth.size()];
        for (int k = 0; k < preds.size(); k++) {
            Box p = StrictDetection.box(preds.get(k));
            double best = 0.0;
            int bestJ = -1;
            for (int j = 0; j < truth.size(); j++) {
                if (!used[j]) {
                    double v = Iou.of(truth.get(j), p);
                    if (v > best) {
                        best = v;
                        bestJ = j;
                    }
                }
            }
            if (best > threshold) {
                used[bestJ] = true;
                out[k] = best;
            }
        }
        return out;
    }
}
