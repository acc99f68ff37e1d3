package org.visualrft.core.world;

import java.util.List;

/**
 * One generated example: an image and everything needed to prompt, train and score it. The prompt and answer strings
 * are made from these fields by {@link WorldText}; this record holds only facts.
 *
 * @param id       stable identifier, e.g. {@code det-test-17}
 * @param kind     the task family
 * @param pixels   the {@link Canvas#SIDE}² grayscale canvas, row-major (do not modify)
 * @param label    classification: the item's class; detection: the queried class; grounding: the target's class
 * @param instruction grounding only: the referring expression, e.g. {@code the item to the left of the Bag}
 * @param boxes    the exact answer boxes on the canvas (detection: all items of the queried class, possibly none;
 *                 grounding: exactly one; classification: none)
 * @param scene    the items on the canvas (classification: the single upscaled item)
 */
public record WorldSample(String id, TaskKind kind, byte[] pixels, FashionClass label, String instruction,
        List<PixelBox> boxes, List<PlacedItem> scene) {
    public WorldSample {
        boxes = List.copyOf(boxes);
        scene = List.copyOf(scene);
    }

    /** Side of the canvas in pixels. */
    public int side() {
        return Canvas.SIDE;
    }

    /** Whether this is a detection query whose category is absent (the answer is "No Objects"). */
    public boolean isNegative() {
        return kind == TaskKind.DETECTION && boxes.isEmpty();
    }
}
