package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The balanced evaluation sets, all made from the test split so no evaluated item was ever trained on:
 * classification items taken round-robin over the classes, detection queries cycling over the categories with
 * exactly 60% positives and 40% negatives (the prototype's first unbalanced set was 77% negatives, which made AP
 * measure false positives only).
 *
 * @param hardClassification classification on the hard group (the Table 2 target)
 * @param otherClassification classification on the other six classes (forgetting)
 * @param fewShotDetection   detection of Sandal and Bag (the Table 3 target)
 * @param baseDetection      detection of the base categories (forgetting; mAP_b)
 * @param novelDetection     detection of the never-queried categories (mAP_n)
 * @param grounding          reasoning grounding (Table 6)
 */
public record HeldOutSets(List<WorldSample> hardClassification, List<WorldSample> otherClassification,
        List<WorldSample> fewShotDetection, List<WorldSample> baseDetection, List<WorldSample> novelDetection,
        List<WorldSample> grounding) {

    /** Builds every set from the shipped test split; the same seed gives the same sets. */
    public static HeldOutSets build(EvalSizes sizes, long seed) {
        return build(WorldSampler.shipped(FashionSplit.TEST), sizes, seed);
    }

    /** Builds every set from a sampler's items. */
    public static HeldOutSets build(WorldSampler world, EvalSizes sizes, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        return new HeldOutSets(
                classification(world, WorldRoles.HARD_CLASSES, sizes.hardPerClass(), "cls-hard", root.split()),
                classification(world, WorldRoles.otherClasses(), sizes.otherPerClass(), "cls-other", root.split()),
                detection(world, WorldRoles.FEW_SHOT_DETECTION, sizes.fewShotScenes(), "det-fewshot", root.split()),
                detection(world, WorldRoles.BASE_DETECTION, sizes.baseScenes(), "det-base", root.split()),
                detection(world, WorldRoles.NOVEL_DETECTION, sizes.novelScenes(), "det-novel", root.split()),
                grounding(world, sizes.groundingScenes(), root.split()));
    }

    /** {@code perClass} distinct items of each class (all of the class when it has fewer), round-robin order. */
    static List<WorldSample> classification(WorldSampler world, Set<FashionClass> classes, int perClass,
            String prefix, SplittableRandom rng) {
        List<List<Integer>> chosen = new ArrayList<>();
        for (FashionClass c : classes) {
            chosen.add(KShotDraws.distinct(world.items().indicesOf(c), perClass, rng));
        }
        List<WorldSample> out = new ArrayList<>();
        for (int i = 0; i < perClass; i++) {
            for (List<Integer> pool : chosen) {
                if (i < pool.size()) {
                    out.add(world.classification().of(prefix + "-" + out.size(), pool.get(i)));
                }
            }
        }
        return List.copyOf(out);
    }

    /** {@code n} queries cycling over the categories; 3 in every 5 positive. */
    static List<WorldSample> detection(WorldSampler world, Set<FashionClass> categories, int n, String prefix,
            SplittableRandom rng) {
        List<FashionClass> cats = List.copyOf(categories);
        List<WorldSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FashionClass q = cats.get(i % cats.size());
            boolean positive = (i / cats.size()) % 5 < 3;
            out.add(world.detection().of(prefix + "-" + i, q, positive, rng));
        }
        return List.copyOf(out);
    }

    static List<WorldSample> grounding(WorldSampler world, int n, SplittableRandom rng) {
        List<WorldSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(world.grounding().sample("ground-" + i, rng));
        }
        return List.copyOf(out);
    }
}
