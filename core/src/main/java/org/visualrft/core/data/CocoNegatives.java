package org.visualrft.core.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.geometry.ImageSize;

/**
 * Negative detection samples, as {@code ViRFT_COCO} has them: an (image, category) pair whose image holds no object of
 * the category, answered {@code <answer>No Objects</answer>}. For plain COCO every image without an annotation of
 * the category is a candidate; LVIS is federated (a missing annotation means "not checked"), so there only images
 * that list the category in {@code neg_category_ids} are. Candidates are listed in image-id order, one pool per
 * category, for {@link KShotSplit} to draw from.
 */
public final class CocoNegatives {
    public static final String SOLUTION = "<answer>No Objects</answer>";

    private CocoNegatives() {
    }

    /** Every negative candidate of the given categories (ids), in category then image-id order. */
    public static List<Sample> candidates(CocoGroundTruth gt, Set<Long> categories, Path imageRoot,
            Function<String, String> problemFor) {
        Map<Long, Set<Long>> present = new HashMap<>();
        for (CocoAnnotation a : gt.annotations()) {
            present.computeIfAbsent(a.categoryId(), c -> new HashSet<>()).add(a.imageId());
        }
        List<CocoImage> images = new ArrayList<>(gt.images());
        images.sort((x, y) -> Long.compare(x.id(), y.id()));
        List<Sample> out = new ArrayList<>();
        for (CocoCategory c : gt.categories().stream().sorted((x, y) -> Long.compare(x.id(), y.id())).toList()) {
            if (!categories.contains(c.id())) {
                continue;
            }
            String name = c.name() == null ? Long.toString(c.id()) : c.name();
            Set<Long> has = present.getOrDefault(c.id(), Set.of());
            for (CocoImage im : images) {
                boolean federated = im.negCategoryIds() != null;
                boolean negative = federated ? im.negCategoryIds().contains(c.id()) : !has.contains(im.id());
                if (!negative || im.width() <= 0 || im.height() <= 0) {
                    continue;
                }
                out.add(new Sample("img" + im.id() + "-cat" + c.id() + "-neg",
                        ImageRef.file(CocoDetectionSamples.imagePath(imageRoot, im)), problemFor.apply(name), SOLUTION,
                        new ImageSize(im.width(), im.height()), "detection",
                        Map.of("image_id", Long.toString(im.id()), "category_id", Long.toString(c.id()), "category",
                                name, "label", name + "/No Objects")));
            }
        }
        return out;
    }
}
