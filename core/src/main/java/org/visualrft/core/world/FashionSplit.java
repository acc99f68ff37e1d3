package org.visualrft.core.world;

/**
 * Which part of the shipped Fashion-MNIST subset: items from Fashion-MNIST's training file (pretraining and k-shot
 * draws) or from its test file (every evaluation). No test item is ever trained on.
 */
public enum FashionSplit {
    TRAIN("train"),
    TEST("test");

    private final String fileStem;

    FashionSplit(String fileStem) {
        this.fileStem = fileStem;
    }

    /** The resource name of this split's images. */
    public String imagesResource() {
        return "fmnist-" + fileStem + "-images-idx3-ubyte.gz";
    }

    /** The resource name of this split's labels. */
    public String labelsResource() {
        return "fmnist-" + fileStem + "-labels-idx1-ubyte.gz";
    }
}
