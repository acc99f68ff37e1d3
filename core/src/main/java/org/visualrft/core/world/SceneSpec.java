package org.visualrft.core.world;

/**
 * How detection and grounding scenes are composed.
 *
 * @param minItems          fewest items on a canvas (0 allows empty scenes)
 * @param maxItems          most items on a canvas
 * @param minSize           smallest side of a pasted item in pixels
 * @param maxSize           largest side of a pasted item in pixels (at most the canvas side)
 * @param maxIou            an item is re-placed when its box overlaps an earlier one with IoU at or above this
 * @param repeatProbability chance that an extra item copies the queried class, so answers with several boxes occur
 */
public record SceneSpec(int minItems, int maxItems, int minSize, int maxSize, double maxIou, double repeatProbability) {
    /** The demo's scenes: 1–3 items of 16–28 px on the 56 px canvas, nearly disjoint, 35% repeats. */
    public static final SceneSpec DEMO = new SceneSpec(1, 3, 16, 28, 0.05, 0.35);

    public SceneSpec {
        if (minItems < 0 || maxItems < minItems || minSize < 4 || maxSize < minSize || maxSize > Canvas.SIDE
                || maxIou <= 0 || repeatProbability < 0 || repeatProbability > 1) {
            throw new IllegalArgumentException("inconsistent scene spec " + minItems + ".." + maxItems + " items, "
                    + minSize + ".." + maxSize + " px, maxIou " + maxIou + ", repeat " + repeatProbability);
        }
    }
}
