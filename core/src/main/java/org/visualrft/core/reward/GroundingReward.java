package org.visualrft.core.reward;

import java.util.List;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.AnswerTags;
import org.visualrft.core.answer.CornerPairs;
import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyOps;
import org.visualrft.core.geometry.Box;
import org.visualrft.core.geometry.Iou;

/**
 * Reasoning-grounding reward ({@code giou}), GIoU + 1 in [0, 2].
 *
 * <p>{@link RewardMode#VISUAL_RFT}: {@code grpo_lisa.py} exactly. Corner pairs {@code (x1,y1),(x2,y2)} of Unicode
 * digits are divided by 1000; the box is built from the first two points of the list
 * {@code [tops-left..., bottoms-right...]}, so with two or more boxes the second box's top-left is used as the
 * bottom-right (the original's bug); the value is not clamped; an answer string equal to the ground-truth string
 * scores 2.0 whatever it contains.
 *
 * <p>{@link RewardMode#STRICT}: the first box's own corners, both boxes must be proper (x2 &gt; x1, y2 &gt; y1) or
 * the reward is 0, the ground truth is converted to the model's frame, the value is clamped to [0, 2], and the
 * answer must be inside {@code <answer>…</answer>}.
 */
public final class GroundingReward extends ModalReward {
    public static final String NAME = "giou";

    public GroundingReward(RewardMode mode, RewardOptions options) {
        super(NAME, mode, options);
    }

    @Override
    double original(String completion, RewardSample sample) {
        return visualRft(completion, sample.solution());
    }

    static double visualRft(String completion, String solution) {
        String gt = AnswerTags.answerOrWhole(solution, false);
        String ans = AnswerTags.answerOrWhole(completion, true);
        double reward;
        try {
            double[] s = points(ans);
            double[] g = points(gt);
            reward = giouScaled(g, s);
        } catch (PyError e) {
            reward = 0.0;
        }
        if (ans.equals(gt)) {
            reward = 2.0;
        }
        return reward;
    }

    /** The first two points of {@code [(x1,y1)/1000 ...] + [(x2,y2)/1000 ...]}: IndexError without a match. */
    private static double[] points(String text) {
        List<String[]> m = CornerPairs.findAll(text);
        if (m.isEmpty()) {
            // the comprehension still converts nothing; indexing [0] raises
            throw PyError.INDEX;
        }
        // every int() and division is evaluated (they can raise) before compute_giou indexes the list
        double[][] tl = new double[m.size()][];
        double[][] br = new double[m.size()][];
        for (int i = 0; i < m.size(); i++) {
            String[] g = m.get(i);
            tl[i] = new double[] {per1000(g[0]), per1000(g[1])};
        }
        for (int i = 0; i < m.size(); i++) {
            String[] g = m.get(i);
            br[i] = new double[] {per1000(g[2]), per1000(g[3])};
        }
        double[] second = m.size() >= 2 ? tl[1] : br[0];
        return new double[] {tl[0][0], tl[0][1], second[0], second[1]};
    }

    private static double per1000(String digits) {
        return PyOps.truediv(CornerPairs.toInt(digits), 1000L);
    }

    /** {@code compute_giou(gt, student)} with Python's max/min and conditional expressions. */
    private static double giouScaled(double[] g, double[] s) {
        double x1i = pyMax(g[0], s[0]);
        double y1i = pyMax(g[1], s[1]);
        double x2i = pyMin(g[2], s[2]);
        double y2i = pyMin(g[3], s[3]);
        double iw = pyMax(0.0, x2i - x1i);
        double ih = pyMax(0.0, y2i - y1i);
        double inter = iw * ih;
        double gtArea = (g[2] - g[0]) * (g[3] - g[1]);
        double stArea = (s[2] - s[0]) * (s[3] - s[1]);
        double union = gtArea + stArea - inter;
        double iou = union > 0 ? inter / union : 0.0;
        double x1c = pyMin(g[0], s[0]);
        double y1c = pyMin(g[1], s[1]);
        double x2c = pyMax(g[2], s[2]);
        double y2c = pyMax(g[3], s[3]);
        double c = (x2c - x1c) * (y2c - y1c);
        double giou = c > 0 ? iou - (c - union) / c : iou;
        return giou + 1;
    }

    private static double pyMax(double a, double b) {
        return b > a ? b : a;
    }

    private static double pyMin(double a, double b) {
        return b < a ? b : a;
    }

    @Override
    double strict(String completion, RewardSample sample) {
        String answer = AnswerTags.search(completion, true);
        if (answer == null) {
            return 0.0;
        }
        List<Box> predicted = AnswerExtractor.boxes(answer);
        List<Box> truth = AnswerExtractor.boxes(AnswerTags.answerOrWhole(sample.solution(), true));
        if (predicted.isEmpty() || truth.isEmpty()) {
            return 0.0;
        }
        Box p = predicted.get(0);
        Box g = FrameConversion.toModelFrame(truth.get(0), sample, options);
        if (!p.isProper() || !g.isProper()) {
            return 0.0;
        }
        double v = Iou.generalized(g, p) + 1.0;
        return Double.isNaN(v) ? 0.0 : Math.max(0.0, Math.min(2.0, v));
    }
}
