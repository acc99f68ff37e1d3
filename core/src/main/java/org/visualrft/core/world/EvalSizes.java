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
    /**
     * The prototype's round-2 sizes: 1,000 hard-group items (its draws swung by about ±0.05 on smaller sets). Too slow
     * for the 10-minute demo on two cores, whose presets are in the app's {@code DemoPlan}; for longer studies.
     */
    public static final EvalSizes LARGE = new EvalSizes(250, 60, 400, 300, 300, 300);
    /** Small sets for tests and smoke runs; numbers are indicative only. */
    public static final EvalSizes SMALL = new EvalSizes(40, 15, 80, 60, 60, 60);

    public EvalSizes {
        if (hardPerClass < 1 || otherPerClass < 1 || fewShotScenes < 1 || baseScenes < 1 || novelScenes < 1
                || groundingScenes < 1) {
            throw new IllegalArgumentException("every evaluation set needs at least one example");
        }
    }
}
