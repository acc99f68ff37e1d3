package org.visualrft.app.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.answer.DetectionAnswer;
import org.visualrft.core.answer.Prediction;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoEvalResult;
import org.visualrft.core.eval.coco.CocoEvaluator;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.geometry.Box;
import org.visualrft.core.geometry.Iou;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.world.FashionClass;
import org.visualrft.core.world.PixelBox;
import org.visualrft.core.world.WorldSample;
import org.visualrft.core.world.WorldText;

/**
 * Scores completions of world examples with the project's evaluators, as the paper scores its tables:
 * classification accuracy by the strict rule (exact label; the paper's substring rule, docs/original-code.md, also counts an
 * empty answer as correct, which a barely trained model exploits); detection
 * mAP@[.5:.95] by our COCO evaluator, averaged over the queried categories (docs/original-code.md, "COCO mAP"), each (scene, query) pair
 * being one image whose ground truth is the queried category's boxes; grounding mean IoU of the first box
 * (docs/original-code.md, "Grounding IoU"). Keys are {@code <prefix>_<metric>}.
 */
public final class WorldScores {
    private static final RewardFunction CLS_ACCURACY =
            RewardRegistry.create("accuracy", RewardMode.STRICT, RewardOptions.DEFAULT);
    private static final RewardFunction FORMAT =
            RewardRegistry.create("format", RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);

    private WorldScores() {
    }

    /** Accuracy overall ({@code _acc}), per class ({@code _acc_<Class>}) and the format rate ({@code _format}). */
    public static Map<String, Double> classification(String prefix, List<WorldSample> set, List<String> completions) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<FashionClass, int[]> perClass = new LinkedHashMap<>();
        int correct = 0;
        for (int i = 0; i < set.size(); i++) {
            WorldSample s = set.get(i);
            boolean ok = classificationCorrect(s, completions.get(i));
            correct += ok ? 1 : 0;
            int[] c = perClass.computeIfAbsent(s.label(), k -> new int[2]);
            c[0] += ok ? 1 : 0;
            c[1]++;
        }
        out.put(prefix + "_acc", correct / (double) set.size());
        perClass.forEach((c, n) -> out.put(prefix + "_acc_" + key(c), n[0] / (double) n[1]));
        out.put(prefix + "_format", formatRate(completions));
        return out;
    }

    public static boolean classificationCorrect(WorldSample s, String completion) {
        return CLS_ACCURACY.score(completion, RewardSample.of(WorldText.solution(s))) == 1.0;
    }

    /**
     * COCO mAP over the queried categories ({@code _map}), AP50 ({@code _map50}), AP per category
     * ({@code _ap_<Class>}), the share of negatives answered "No Objects" ({@code _no_objects}), the share of
     * answers that parse ({@code _parse}) and the format rate.
     */
    public static Map<String, Double> detection(String prefix, List<WorldSample> set, List<String> completions) {
        List<CocoImage> images = new ArrayList<>();
        List<CocoAnnotation> truth = new ArrayList<>();
        List<CocoDetection> dets = new ArrayList<>();
        List<Long> queried = new ArrayList<>();
        int negatives = 0;
        int negativesRight = 0;
        int parsed = 0;
        double scale = set.isEmpty() ? 1 : set.get(0).side() / 1000.0;
        for (int i = 0; i < set.size(); i++) {
            WorldSample s = set.get(i);
            long imageId = i + 1;
            long cat = s.label().label() + 1L;
            if (!queried.contains(cat)) {
                queried.add(cat);
            }
            images.add(CocoImage.of(imageId, s.side(), s.side()));
            for (PixelBox b : s.boxes()) {
                truth.add(new CocoAnnotation(truth.size() + 1L, imageId, cat, b.x1(), b.y1(), b.width(), b.height(),
                        b.area(), false, false));
            }
            DetectionAnswer a = AnswerExtractor.detectionForEvaluation(completions.get(i));
            parsed += a.status() == DetectionAnswer.Status.UNPARSABLE ? 0 : 1;
            if (s.isNegative()) {
                negatives++;
                negativesRight += a.saysNothing() ? 1 : 0;
            }
            for (Prediction p : a.predictions()) {
                if (!Double.isFinite(p.x1() + p.y1() + p.x2() + p.y2() + p.confidence())) {
                    continue;
                }
                dets.add(new CocoDetection(imageId, cat, p.x1() * scale, p.y1() * scale, (p.x2() - p.x1()) * scale,
                        (p.y2() - p.y1()) * scale, p.confidence()));
            }
        }
        List<CocoCategory> cats = new ArrayList<>();
        for (FashionClass c : FashionClass.values()) {
            cats.add(new CocoCategory(c.label() + 1L, c.displayName(), null));
        }
        CocoEvalResult r = new CocoEvaluator().evaluate(new CocoGroundTruth(images, cats, truth), dets, prefix);
        Map<String, Double> out = new LinkedHashMap<>();
        List<Long> withTruth = queried.stream().filter(c -> truth.stream().anyMatch(t -> t.categoryId() == c)).toList();
        out.put(prefix + "_map", withTruth.isEmpty() ? Double.NaN : r.subsetMeanAp(withTruth));
        out.put(prefix + "_map50", ap50(r, withTruth));
        Map<Long, Double> perCat = r.perCategoryAp();
        for (Long c : withTruth) {
            out.put(prefix + "_ap_" + key(FashionClass.ofLabel((int) (c - 1))), perCat.get(c));
        }
        out.put(prefix + "_no_objects", negatives == 0 ? Double.NaN : negativesRight / (double) negatives);
        out.put(prefix + "_parse", parsed / (double) Math.max(1, set.size()));
        out.put(prefix + "_format", formatRate(completions));
        return out;
    }

    /** Mean over categories of the precision averaged over recall thresholds at IoU 0.5 (area all, last maxDets). */
    private static double ap50(CocoEvalResult r, List<Long> cats) {
        long[] ids = r.categoryIds();
        int recalls = r.params().recallThresholds().length;
        int m = r.params().maxDets().length - 1;
        double sum = 0;
        int n = 0;
        for (int k = 0; k < ids.length; k++) {
            if (!cats.contains(ids[k])) {
                continue;
            }
            double s = 0;
            int c = 0;
            for (int i = 0; i < recalls; i++) {
                double v = r.precision(0, i, k, 0, m);
                if (v > -1) {
                    s += v;
                    c++;
                }
            }
            if (c > 0) {
                sum += s / c;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Mean IoU of the first answered box with the target ({@code _miou}; no box counts 0) and the format rate. */
    public static Map<String, Double> grounding(String prefix, List<WorldSample> set, List<String> completions) {
        double sum = 0;
        for (int i = 0; i < set.size(); i++) {
            sum += groundingIou(set.get(i), completions.get(i));
        }
        Map<String, Double> out = new LinkedHashMap<>();
        out.put(prefix + "_miou", sum / Math.max(1, set.size()));
        out.put(prefix + "_format", formatRate(completions));
        return out;
    }

    public static double groundingIou(WorldSample s, String completion) {
        Box first = AnswerExtractor.grounding(completion).first();
        if (first == null) {
            return 0;
        }
        int[] t = s.boxes().get(0).normalised(s.side());
        return Iou.of(first, new Box(t[0], t[1], t[2], t[3]));
    }

    public static double formatRate(List<String> completions) {
        double ok = 0;
        for (String c : completions) {
            ok += FORMAT.score(c, RewardSample.of("<answer></answer>"));
        }
        return ok / Math.max(1, completions.size());
    }

    /** A class name as a metric key: {@code Ankle boot} → {@code ankle_boot}. */
    public static String key(FashionClass c) {
        return c.displayName().toLowerCase(java.util.Locale.ROOT).replace(' ', '_');
    }
}
