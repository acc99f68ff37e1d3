package org.visualrft.core.world;

import java.util.List;

/** A canvas with items pasted on it and their exact boxes (in paste order). The pixels are never modified. */
public record Scene(byte[] pixels, int side, List<PlacedItem> items) {
    public Scene {
        items = List.copyOf(items);
    }

    /** The boxes of the items of one class, sorted left to right (then top to bottom). */
    public List<PixelBox> boxesOf(FashionClass c) {
        return items.stream().filter(i -> i.cls() == c).map(PlacedItem::box)
                .sorted(java.util.Comparator.comparingInt(PixelBox::x1).thenComparingInt(PixelBox::y1)).toList();
    }

    /** Whether an item of this class is on the canvas. */
    public boolean contains(FashionClass c) {
        return items.stream().anyMatch(i -> i.cls() == c);
    }
}
