package org.visualrft.core.world;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;

/**
 * One split of 28×28 grayscale Fashion-MNIST items with their classes. The shipped subset (see
 * {@code FASHION-MNIST-SUBSET.md} next to the resources) is read from the classpath, so nothing is downloaded.
 */
public final class FashionItems {
    /** Side of a Fashion-MNIST item in pixels. */
    public static final int SIDE = 28;

    private static final Map<FashionSplit, FashionItems> SHIPPED = new EnumMap<>(FashionSplit.class);

    private final byte[][] pixels;
    private final FashionClass[] classes;
    private final Map<FashionClass, List<Integer>> byClass = new EnumMap<>(FashionClass.class);

    /** Items from raw arrays; {@code pixels[i]} is row-major 28×28, {@code labels[i]} in 0..9. */
    public FashionItems(byte[][] pixels, byte[] labels, String source) {
        if (pixels.length != labels.length) {
            throw new BadInputException(source, pixels.length + " images but " + labels.length + " labels");
        }
        this.pixels = pixels;
        this.classes = new FashionClass[labels.length];
        for (FashionClass c : FashionClass.values()) {
            byClass.put(c, new ArrayList<>());
        }
        for (int i = 0; i < labels.length; i++) {
            if (pixels[i].length != SIDE * SIDE) {
                throw new BadInputException(source, "item " + i + " is not 28×28");
            }
            classes[i] = FashionClass.ofLabel(labels[i] & 0xff);
            byClass.get(classes[i]).add(i);
        }
        for (FashionClass c : FashionClass.values()) {
            byClass.put(c, List.copyOf(byClass.get(c)));
        }
    }

    /** The shipped subset of a split (read once, then shared; the arrays are never modified). */
    public static synchronized FashionItems shipped(FashionSplit split) {
        return SHIPPED.computeIfAbsent(split, FashionItems::readShipped);
    }

    private static FashionItems readShipped(FashionSplit split) {
        String images = split.imagesResource();
        String labels = split.labelsResource();
        try (InputStream img = open(images); InputStream lab = open(labels)) {
            IdxImages.Images read = IdxImages.readImages(img, images);
            if (read.rows() != SIDE || read.cols() != SIDE) {
                throw new BadInputException(images, "items are " + read.rows() + "×" + read.cols() + ", not 28×28");
            }
            return new FashionItems(read.pixels(), IdxImages.readLabels(lab, labels), images);
        } catch (IOException e) {
            throw new BadInputException(images, "cannot read the shipped subset: " + e.getMessage(), e);
        }
    }

    private static InputStream open(String resource) {
        InputStream in = FashionItems.class.getResourceAsStream(resource);
        if (in == null) {
            throw new BadInputException(resource, "the shipped Fashion-MNIST subset is missing from the classpath");
        }
        return in;
    }

    /** Number of items. */
    public int size() {
        return classes.length;
    }

    /** The class of item {@code i}. */
    public FashionClass classOf(int i) {
        return classes[i];
    }

    /** The 28×28 pixels of item {@code i} (shared; do not modify). */
    public byte[] pixels(int i) {
        return pixels[i];
    }

    /** Indices of the items of one class, ascending. */
    public List<Integer> indicesOf(FashionClass c) {
        return byClass.get(c);
    }
}
