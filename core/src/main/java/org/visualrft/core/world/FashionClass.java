package org.visualrft.core.world;

import java.util.List;
import org.visualrft.core.BadInputException;

/**
 * The ten Fashion-MNIST classes, in label order, with the names the world writes into prompts and answers.
 *
 * <p>Label 0 is Fashion-MNIST's "T-shirt/top"; it is named {@code Top} here because the paper's classification reward
 * is a two-way normalised substring test, and "shirt" is a substring of "t-shirt": a model answering "Shirt" for a
 * T-shirt would be scored correct. With these ten names no name is a substring of another (a test checks it).
 */
public enum FashionClass {
    TOP("Top", "upper"),
    TROUSER("Trouser", "lower"),
    PULLOVER("Pullover", "upper"),
    DRESS("Dress", "dress"),
    COAT("Coat", "upper"),
    SANDAL("Sandal", "shoe"),
    SHIRT("Shirt", "upper"),
    SNEAKER("Sneaker", "shoe"),
    BAG("Bag", "bag"),
    ANKLE_BOOT("Ankle boot", "shoe");

    private final String displayName;
    private final String group;

    FashionClass(String displayName, String group) {
        this.displayName = displayName;
        this.group = group;
    }

    /** The name used in prompts and answers, e.g. {@code Ankle boot}. */
    public String displayName() {
        return displayName;
    }

    /** A coarse group word (upper, lower, dress, shoe, bag): the classification task's one-word reasoning. */
    public String group() {
        return group;
    }

    /** The Fashion-MNIST label (0..9). */
    public int label() {
        return ordinal();
    }

    /** The class of a Fashion-MNIST label. */
    public static FashionClass ofLabel(int label) {
        if (label < 0 || label >= values().length) {
            throw new BadInputException("fashion-mnist", "label " + label + " is outside 0..9");
        }
        return values()[label];
    }

    /** The class with this display name (case-insensitive). */
    public static FashionClass byName(String name) {
        for (FashionClass c : values()) {
            if (c.displayName.equalsIgnoreCase(name.trim())) {
                return c;
            }
        }
        throw new BadInputException("category", "'" + name + "' is not a Fashion-MNIST class; known: " + names());
    }

    /** All display names in label order. */
    public static List<String> names() {
        return java.util.Arrays.stream(values()).map(FashionClass::displayName).toList();
    }

    /** The distinct group words in first-use order. */
    public static List<String> groups() {
        return java.util.Arrays.stream(values()).map(FashionClass::group).distinct().toList();
    }
}
