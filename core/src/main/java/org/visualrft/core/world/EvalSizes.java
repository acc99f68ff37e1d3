package org.visualrft.core.world;

/**
 * Sizes of the held-out evaluation sets.
 *
 * @param hardPerClass   classification target items per hard class
 * @param otherPerClass  classification forgetting items per other class
 * @param fewShotScenes  detection scenes querying the few-shot categories
 * @param baseScenes     detection scenes querying the base categories (forgetting, and mAP_b of Table 7)
 * @param novelScenes    detection scenes querying the novel categories (mAP_n of Table 7)
 * @param groundingScenes grounding scenes
 */
public record EvalSizes(int hardPerClass, int otherPerClass, int fewShotScenes, int baseScenes, int novelScenes,
        int groundingScenes) {
    /** The full demo: 1,000 hard-group items (the prototype's noise floor was about ±0.05 below that). */
    public static final EvalSizes FULL = new EvalSizes(250, 60, 400, 300, 300, 300);
    /** {@code --quick}: small sets, numbers are indicative only. */
    public static final EvalSizes QUICK = new EvalSizes(40, 15, 80, 60, 60, 60);

    public EvalSizes {
        if (hardPerClass < 1 || otherPerClass < 1 || fewShotScenes < 1 || baseScenes < 1 || novelScenes < 1
                || groundingScenes < 1) {
            throw new IllegalArgumentException("every evaluation set needs at least one example");
        }
    }
}
