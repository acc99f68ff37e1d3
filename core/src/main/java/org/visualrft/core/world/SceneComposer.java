package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Pastes Fashion-MNIST items of given classes at random positions and scales on a blank canvas. An item that cannot
 * be placed without overlapping an earlier one (after a fixed number of tries) is left out, so the first class in
 * the list is always placed and composing never fails.
 */
public final class SceneComposer {
    private static final int PLACEMENT_TRIES = 40;

    private final FashionItems items;
    private final SceneSpec spec;

    public SceneComposer(FashionItems items, SceneSpec spec) {
        this.items = items;
        this.spec = spec;
    }

    public SceneSpec spec() {
        return spec;
    }

    public FashionItems items() {
        return items;
    }

    /** A scene with one item of each listed class (in that order), as many as fit. */
    public Scene compose(List<FashionClass> classes, RandomGenerator rng) {
        Canvas canvas = new Canvas(Canvas.SIDE);
        List<PlacedItem> placed = new ArrayList<>();
        for (FashionClass c : classes) {
            List<Integer> pool = items.indicesOf(c);
            int index = pool.get(rng.nextInt(pool.size()));
            int size = spec.minSize() + rng.nextInt(spec.maxSize() - spec.minSize() + 1);
            byte[] img = Canvas.resize(items.pixels(index), FashionItems.SIDE, size);
            PixelBox ink = Canvas.inkBox(img, size);
            if (ink == null) {
                continue;
            }
            for (int t = 0; t < PLACEMENT_TRIES; t++) {
                int left = rng.nextInt(Canvas.SIDE - size + 1);
                int top = rng.nextInt(Canvas.SIDE - size + 1);
                PixelBox box = ink.shifted(left, top);
                if (placed.stream().allMatch(p -> p.box().iou(box) < spec.maxIou())) {
                    canvas.pasteMax(img, size, left, top);
                    placed.add(new PlacedItem(c, box, index));
                    break;
                }
            }
        }
        return new Scene(canvas.pixels(), Canvas.SIDE, placed);
    }
}
