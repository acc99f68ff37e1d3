package org.visualrft.core.world;

import java.util.List;
import java.util.random.RandomGenerator;

/** Classification examples: one item upscaled 2× to fill the canvas, the question asks for its class. */
public final class ClassificationTasks {
    private final FashionItems items;

    public ClassificationTasks(FashionItems items) {
        this.items = items;
    }

    /** An example for a random item of a class drawn with the given weights. */
    public WorldSample sample(String id, ClassWeights weights, RandomGenerator rng) {
        FashionClass c = weights.draw(rng);
        List<Integer> pool = items.indicesOf(c);
        return of(id, pool.get(rng.nextInt(pool.size())));
    }

    /** The example for one item. */
    public WorldSample of(String id, int itemIndex) {
        byte[] canvas = Canvas.resize(items.pixels(itemIndex), FashionItems.SIDE, Canvas.SIDE);
        FashionClass c = items.classOf(itemIndex);
        PixelBox box = Canvas.inkBox(canvas, Canvas.SIDE);
        List<PlacedItem> scene = box == null ? List.of() : List.of(new PlacedItem(c, box, itemIndex));
        return new WorldSample(id, TaskKind.CLASSIFICATION, canvas, c, null, List.of(), scene);
    }
}
