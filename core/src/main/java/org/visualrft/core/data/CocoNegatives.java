package org.visualrft.core.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    /**
     * Every negative candidate of the given categories (ids), in category then image-id order. Builds a sample per
     * candidate (on COCO about 9 million); {@link #draw} draws the same negatives building only the chosen ones.
     */
    public static List<Sample> candidates(CocoGroundTruth gt, Set<Long> categories, Path imageRoot,
            Function<String, String> problemFor) {
        Listing l = new Listing(gt, categories);
        List<Sample> out = new ArrayList<>();
        for (CocoCategory c : l.categories) {
            for (int i : l.negativeImages(c)) {
                out.add(sample(l.images.get(i), c, imageRoot, problemFor));
            }
        }
        return out;
    }

    /**
     * {@code k} negatives per category, exactly as {@link KShotSplit#build} draws them from {@link #candidates} with
     * the class {@code label} column (the same samples in the same order, the same manifest), but only the chosen
     * samples are built: a class's draw is a permutation of its pool's positions, whatever the pool holds, so the
     * pool is kept as image indices, one class at a time.
     */
    public static KShotSplit.Result draw(CocoGroundTruth gt, Set<Long> categories, Path imageRoot,
            Function<String, String> problemFor, int k, long seed, String inputName) {
        if (k <= 0) {
            throw new IllegalArgumentException("shots must be positive, got " + k);
        }
        Listing l = new Listing(gt, categories);
        // KShotSplit's classes: by label, sorted; a label's pool lists its categories in id order
        Map<String, List<CocoCategory>> byLabel = new TreeMap<>();
        for (CocoCategory c : l.categories) {
            byLabel.computeIfAbsent(label(c), x -> new ArrayList<>()).add(c);
        }
        List<Sample> chosen = new ArrayList<>();
        Map<String, SplitManifest.ClassDraw> draws = new LinkedHashMap<>();
        int poolSize = 0;
        for (Map.Entry<String, List<CocoCategory>> e : byLabel.entrySet()) {
            List<CocoCategory> cats = e.getValue();
            int[][] images = new int[cats.size()][];
            int n = 0;
            for (int j = 0; j < cats.size(); j++) {
                images[j] = l.negativeImages(cats.get(j));
                n += images[j].length;
            }
            if (n == 0) {
                continue; // KShotSplit has no class without a sample
            }
            poolSize += n;
            int[] positions = new int[n];
            for (int i = 0; i < n; i++) {
                positions[i] = i;
            }
            new SeededShuffle(seed, e.getKey()).shuffle(positions);
            int take = Math.min(k, n);
            List<String> ids = new ArrayList<>(take);
            for (int t = 0; t < take; t++) {
                int at = positions[t];
                int j = 0;
                while (at >= images[j].length) {
                    at -= images[j].length;
                    j++;
                }
                Sample s = sample(l.images.get(images[j][at]), cats.get(j), imageRoot, problemFor);
                chosen.add(s);
                ids.add(s.id());
            }
            draws.put(e.getKey(), new SplitManifest.ClassDraw(n, ids));
        }
        return new KShotSplit.Result(chosen, new SplitManifest(inputName, k, seed, poolSize, chosen.size(), draws));
    }

    /** The images (sorted by id), the chosen categories (sorted by id) and which images hold each category. */
    private static final class Listing {
        final List<CocoImage> images;
        final List<CocoCategory> categories;
        final Map<Long, Set<Long>> present = new HashMap<>();
        /** The images' ids, boxed once (a category's check of every image would box each again). */
        final Long[] ids;

        Listing(CocoGroundTruth gt, Set<Long> chosen) {
            for (CocoAnnotation a : gt.annotations()) {
                present.computeIfAbsent(a.categoryId(), c -> new HashSet<>()).add(a.imageId());
            }
            List<CocoImage> sorted = new ArrayList<>(gt.images());
            sorted.sort((x, y) -> Long.compare(x.id(), y.id()));
            images = sorted;
            ids = new Long[sorted.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = sorted.get(i).id();
            }
            categories = gt.categories().stream().filter(c -> chosen.contains(c.id()))
                    .sorted((x, y) -> Long.compare(x.id(), y.id())).toList();
        }

        /** Indices into {@link #images} of the negatives of {@code c}, in image-id order. */
        int[] negativeImages(CocoCategory c) {
            Set<Long> has = present.getOrDefault(c.id(), Set.of());
            int[] out = new int[images.size()];
            int n = 0;
            for (int i = 0; i < images.size(); i++) {
                CocoImage im = images.get(i);
                boolean federated = im.negCategoryIds() != null;
                boolean negative = federated ? im.negCategoryIds().contains(c.id()) : !has.contains(ids[i]);
                if (negative && im.width() > 0 && im.height() > 0) {
                    out[n++] = i;
                }
            }
            return Arrays.copyOf(out, n);
        }
    }

    private static String name(CocoCategory c) {
        return c.name() == null ? Long.toString(c.id()) : c.name();
    }

    /** The class a negative is drawn in (the {@code label} column). */
    private static String label(CocoCategory c) {
        return name(c) + "/No Objects";
    }

    private static Sample sample(CocoImage im, CocoCategory c, Path imageRoot, Function<String, String> problemFor) {
        String name = name(c);
        return new Sample("img" + im.id() + "-cat" + c.id() + "-neg",
                ImageRef.file(CocoDetectionSamples.imagePath(imageRoot, im)), problemFor.apply(name), SOLUTION,
                new ImageSize(im.width(), im.height()), "detection",
                Map.of("image_id", Long.toString(im.id()), "category_id", Long.toString(c.id()), "category", name,
                        "label", label(c)));
    }
}
