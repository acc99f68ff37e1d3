package org.visualrft.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.CategorySplits;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import picocli.CommandLine.Option;

/**
 * The category-subset options that {@code coco-eval} and {@code lvis-eval} share ({@code --categories},
 * {@code --category-names}): which categories the reported subset mean averages over.
 */
final class CategorySubsetOptions {
    @Option(names = "--categories", split = ",", paramLabel = "ID",
            description = "Category ids for the subset mean (default: every category with ground truth).")
    List<Long> categories;

    @Option(names = "--category-names", paramLabel = "NAMES",
            description = "The subset by name instead: comma-separated names, or one of coco-few-shot-8, "
                    + "coco-novel-15, coco-base-65, coco-all-80, lvis-few-shot-6, lvis-open-vocab-13.")
    String categoryNames;

    /** Turns {@code --category-names} into ids; names are only known once the ground truth is read. */
    void resolveNames(CocoGroundTruth truth, Path gt) {
        if (categoryNames == null) {
            return;
        }
        if (categories != null) {
            throw new BadInputException("--category-names", "give either --categories or --category-names");
        }
        List<String> names = CategorySplits.NAMED.getOrDefault(categoryNames,
                Arrays.stream(categoryNames.split(",")).map(String::strip).toList());
        categories = CategorySplits.resolve(truth, names, gt.toString());
    }

    /** Whether the user chose the subset (otherwise it is every category with ground truth). */
    boolean chosen() {
        return categories != null;
    }

    /**
     * The categories to average: the chosen ones, each checked to have an AP, or else every category whose AP is
     * defined. {@code groundTruthKind} names what a category lacks when its AP is undefined, for the message.
     */
    List<Long> subset(Map<Long, Double> ap, Path gt, String groundTruthKind) {
        if (categories == null) {
            List<Long> all = new ArrayList<>();
            ap.forEach((id, v) -> {
                if (v > -1) {
                    all.add(id);
                }
            });
            return all;
        }
        Set<Long> seen = new HashSet<>();
        for (Long id : categories) {
            if (!seen.add(id)) { // averaged twice, it would weigh twice in the mean
                throw new BadInputException(categoryNames != null ? "--category-names" : "--categories",
                        "category " + id + " is listed twice");
            }
            Double v = ap.get(id);
            if (v == null) {
                throw new BadInputException("--categories", "category " + id + " is not in " + gt);
            }
            if (v == -1) {
                throw new BadInputException("--categories", "category " + id + " has no " + groundTruthKind + " in "
                        + gt + ", so it has no AP to average");
            }
        }
        return List.copyOf(categories);
    }

    /** Category names by id for the per-category table ("" where the ground truth gives none). */
    static Map<Long, String> namesById(CocoGroundTruth truth) {
        Map<Long, String> names = new HashMap<>();
        for (CocoCategory c : truth.categories()) {
            names.put(c.id(), c.name() == null ? "" : c.name());
        }
        return names;
    }
}
