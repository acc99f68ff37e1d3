package org.visualrft.core.world;

/** One Fashion-MNIST item pasted on a scene: its class, its exact box on the canvas, and which item it was. */
public record PlacedItem(FashionClass cls, PixelBox box, int itemIndex) {
}
