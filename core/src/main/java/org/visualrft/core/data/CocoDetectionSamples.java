package org.visualrft.core.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.geometry.ImageSize;

/**
 * Turns a COCO / LVIS ground truth into ViRFT detection samples, one per (image, category) with at least one
 * non-crowd box, as the released detection sets are built (docs/original-code.md, "Released sets"): the solution lists every box of that category
 * in that image as {@code <answer>[{'Position': [x1, y1, x2, y2], 'Confidence': 1}, ...]</answer>} with corners in
 * 0–1000 of the image size, truncated to integers ({@code int(v / W * 1000)}, as the LISA data builder does; the
 * original detection builder is not released), a side that truncates to nothing widened to one unit. Images are
 * looked up under {@code imageRoot} by {@code file_name}, else by the last two components of {@code coco_url} (LVIS,
 * docs/original-code.md, "LVIS mAP").
 */
public final class CocoDetectionSamples {
    private CocoDetectionSamples() {
    }

    /** @param problemFor the prompt for a category name (e.g. the paper's detection prompt) */
    public static List<Sample> build(CocoGroundTruth gt, Path imageRoot, Function<String, String> problemFor,
            String gtName) {
        Map<Long, CocoImage> images = new HashMap<>();
        gt.images().forEach(i -> images.put(i.id(), i));
        Map<Long, String> names = new HashMap<>();
        for (CocoCategory c : gt.categories()) {
            names.put(c.id(), c.name() == null ? Long.toString(c.id()) : c.name());
        }
        Map<List<Long>, List<CocoAnnotation>> groups = new LinkedHashMap<>();
        for (CocoAnnotation a : gt.annotations()) {
            if (!a.crowd() && images.containsKey(a.imageId()) && names.containsKey(a.categoryId())) {
                groups.computeIfAbsent(List.of(a.imageId(), a.categoryId()), x -> new ArrayList<>()).add(a);
            }
        }
        List<Sample> out = new ArrayList<>();
        groups.entrySet().stream()
                .sorted((x, y) -> {
                    int c = Long.compare(x.getKey().get(0), y.getKey().get(0));
                    return c != 0 ? c : Long.compare(x.getKey().get(1), y.getKey().get(1));
                })
                .forEach(e -> {
                    CocoImage im = images.get(e.getKey().get(0));
                    long cat = e.getKey().get(1);
                    if (im.width() <= 0 || im.height() <= 0) {
                        throw new BadInputException(gtName, "image " + im.id() + " has no positive width/height");
                    }
                    String name = names.get(cat);
                    Map<String, String> columns = Map.of("image_id", Long.toString(im.id()), "category_id",
                            Long.toString(cat), "category", name, "label", name);
                    out.add(new Sample("img" + im.id() + "-cat" + cat, ImageRef.file(imagePath(imageRoot, im)),
                            problemFor.apply(name), solution(e.getValue(), im.width(), im.height()),
                            new ImageSize(im.width(), im.height()), "detection", columns));
                });
        return out;
    }

    static Path imagePath(Path root, CocoImage im) {
        if (im.fileName() != null) {
            return root.resolve(im.fileName());
        }
        if (im.cocoUrl() != null) {
            String[] parts = im.cocoUrl().split("/");
            if (parts.length >= 2) {
                return root.resolve(parts[parts.length - 2]).resolve(parts[parts.length - 1]);
            }
        }
        return root.resolve(Long.toString(im.id()));
    }

    static String solution(List<CocoAnnotation> boxes, int w, int h) {
        StringBuilder b = new StringBuilder("<answer>[");
        for (int i = 0; i < boxes.size(); i++) {
            CocoAnnotation a = boxes.get(i);
            if (i > 0) {
                b.append(", ");
            }
            long[] xs = atLeastOneUnit(norm(a.x(), w), norm(a.x() + a.width(), w));
            long[] ys = atLeastOneUnit(norm(a.y(), h), norm(a.y() + a.height(), h));
            b.append("{'Position': [").append(xs[0]).append(", ").append(ys[0]).append(", ").append(xs[1])
                    .append(", ").append(ys[1]).append("], 'Confidence': 1}");
        }
        return b.append("]</answer>").toString();
    }

    /**
     * A side narrower than 1/1000 of the image truncates to an empty interval; the strict rewards refuse an empty
     * ground-truth box (the sample would score 0 whatever the answer), so it is widened to one unit, inward at 1000.
     */
    private static long[] atLeastOneUnit(long lo, long hi) {
        if (hi > lo) {
            return new long[] {lo, hi};
        }
        return lo >= 1000 ? new long[] {lo - 1, lo} : new long[] {lo, lo + 1};
    }

    private static long norm(double v, int size) {
        return (long) (v / size * 1000); // truncation toward zero, as Python's int()
    }
}
