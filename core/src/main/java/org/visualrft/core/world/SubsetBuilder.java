package org.visualrft.core.world;

import org.visualrft.core.io.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.BadInputException;

/**
 * Makes the shipped subset from the full Fashion-MNIST IDX files (Debian's {@code dataset-fashion-mnist} puts them in
 * {@code /usr/share/datasets/fashion-mnist}). The selection has no randomness: the first {@code perClass} items of each
 * class in file order, kept in file order. Run once by a maintainer:
 * {@code java -cp core/target/classes org.visualrft.core.world.SubsetBuilder /usr/share/datasets/fashion-mnist
 * core/src/main/resources/org/visualrft/core/world 500 250}.
 */
public final class SubsetBuilder {
    private SubsetBuilder() {
    }

    /** Selected item indices: the first {@code perClass} of each label, in ascending file order. */
    static List<Integer> firstPerClass(byte[] labels, int perClass) {
        int[] taken = new int[FashionClass.values().length];
        List<Integer> chosen = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i] & 0xff;
            if (label < taken.length && taken[label] < perClass) {
                taken[label]++;
                chosen.add(i);
            }
        }
        return chosen;
    }

    /** Writes one split's subset (images and labels) into {@code outDir}, atomically per file. */
    static void writeSubset(Path fullDir, String fullStem, Path outDir, FashionSplit split, int perClass)
            throws IOException {
        Path imagesFile = fullDir.resolve(fullStem + "-images-idx3-ubyte.gz");
        Path labelsFile = fullDir.resolve(fullStem + "-labels-idx1-ubyte.gz");
        IdxImages.Images images;
        byte[] labels;
        try (InputStream in = Files.newInputStream(imagesFile)) {
            images = IdxImages.readImages(in, imagesFile.toString());
        }
        try (InputStream in = Files.newInputStream(labelsFile)) {
            labels = IdxImages.readLabels(in, labelsFile.toString());
        }
        List<Integer> chosen = firstPerClass(labels, perClass);
        byte[][] px = new byte[chosen.size()][];
        byte[] lab = new byte[chosen.size()];
        for (int k = 0; k < chosen.size(); k++) {
            px[k] = images.pixels()[chosen.get(k)];
            lab[k] = labels[chosen.get(k)];
        }
        AtomicFile.writeBytes(outDir.resolve(split.imagesResource()), IdxImages.encodeImages(images.rows(), images.cols(), px));
        AtomicFile.writeBytes(outDir.resolve(split.labelsResource()), IdxImages.encodeLabels(lab));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 4) {
            throw new BadInputException("SubsetBuilder", "usage: FULL_DIR OUT_DIR TRAIN_PER_CLASS TEST_PER_CLASS");
        }
        Path full = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        writeSubset(full, "train", out, FashionSplit.TRAIN, Integer.parseInt(args[2]));
        writeSubset(full, "t10k", out, FashionSplit.TEST, Integer.parseInt(args[3]));
    }
}
