package org.visualrft.core.eval.coco;

import java.nio.file.Path;
import java.util.List;

/** A COCO (or LVIS) ground-truth file: images, categories and annotations, each in file order. */
public record CocoGroundTruth(List<CocoImage> images, List<CocoCategory> categories,
        List<CocoAnnotation> annotations) {

    public CocoGroundTruth {
        images = List.copyOf(images);
        categories = List.copyOf(categories);
        annotations = List.copyOf(annotations);
    }

    /** Reads a ground-truth JSON file with a streaming parser; any fault is a BadInputException naming the file. */
    public static CocoGroundTruth read(Path file) {
        return CocoGroundTruthReader.read(file);
    }
}
