package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.data.CategorySplits;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoResultsReader;
import org.visualrft.core.eval.coco.CocoSummary;
import org.visualrft.core.eval.lvis.LvisEvalReport;
import org.visualrft.core.eval.lvis.LvisEvalResult;
import org.visualrft.core.eval.lvis.LvisEvaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code visual-rft lvis-eval}: LVIS federated bbox AP (lvis-api semantics) and Visual-RFT's per-category AP. */
@Command(name = "lvis-eval", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description = {
    "LVIS federated bbox evaluation (lvis-api semantics: at most 300 detections per image, positive / negative /",
    "not-exhaustive categories per image, APr/APc/APf) and Visual-RFT's per-category AP and subset mean."})
public final class LvisEvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "LVIS ground truth.")
    Path gt;

    @Option(names = "--dt", required = true, paramLabel = "DT.json", description = "Results list (COCO format).")
    Path dt;

    @Option(names = "--categories", split = ",", paramLabel = "ID",
            description = "Category ids for the subset mean (default: every category with ground truth).")
    List<Long> categories;

    @Option(names = "--max-dets", defaultValue = "300", paramLabel = "N",
            description = "Detections kept per image, highest scores first (default ${DEFAULT-VALUE}; -1: all).")
    int maxDets;

    @Option(names = "--category-names", paramLabel = "NAMES",
            description = "The subset by name instead: comma-separated names, or one of coco-few-shot-8, "
                    + "coco-novel-15, coco-base-65, coco-all-80, lvis-few-shot-6, lvis-open-vocab-13.")
    String categoryNames;

    @Option(names = "--json", paramLabel = "OUT.json",
            description = "Also write {results, per_category_ap, subset, subset_mean_ap} here (atomically).")
    Path json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CocoGroundTruth truth = CocoGroundTruth.read(gt);
        if (categoryNames != null) {
            if (categories != null) {
                throw new BadInputException("--category-names", "give either --categories or --category-names");
            }
            List<String> names = CategorySplits.NAMED.getOrDefault(categoryNames,
                    Arrays.stream(categoryNames.split(",")).map(String::strip).toList());
            categories = CategorySplits.resolve(truth, names, gt.toString());
        }
        List<CocoDetection> results = CocoResultsReader.read(dt);
        LvisEvalResult r = new LvisEvaluator(maxDets, true).evaluate(truth, results, gt.toString(), dt.toString());
        if (r.detectionsOverLimit() > 0) {
            err.printf("visual-rft lvis-eval: note: %d detection(s) beyond %d per image were dropped (as lvis-api "
                    + "does)%n", r.detectionsOverLimit(), maxDets);
            err.flush();
        }
        Map<Long, Double> ap = r.perCategoryAp();
        List<Long> subset = subset(ap);
        double mean = subset.isEmpty() ? -1.0 : r.subsetMeanAp(subset);
        Map<Long, String> names = new HashMap<>();
        for (CocoCategory c : truth.categories()) {
            names.put(c.id(), c.name() == null ? "" : c.name());
        }
        out.print(r.summary());
        out.println();
        out.printf(Locale.ROOT, "%10s  %-24s %s%n", "category", "name", "AP (all 4 areas)");
        for (Long id : subset) {
            out.printf(Locale.ROOT, "%10d  %-24s %s%n", id, names.getOrDefault(id, ""), CocoSummary.fixed(ap.get(id), 4));
        }
        out.println();
        out.printf(Locale.ROOT, "mean AP over %d categor%s = %s%n", subset.size(), subset.size() == 1 ? "y" : "ies",
                CocoSummary.fixed(mean, 4));
        if (json != null) {
            LvisEvalReport.write(json, r, subset, mean);
            out.println("wrote " + json);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private List<Long> subset(Map<Long, Double> ap) {
        if (categories == null) {
            List<Long> all = new ArrayList<>();
            ap.forEach((id, v) -> {
                if (v > -1) {
                    all.add(id);
                }
            });
            return all;
        }
        for (Long id : categories) {
            Double v = ap.get(id);
            if (v == null) {
                throw new BadInputException("--categories", "category " + id + " is not in " + gt);
            }
            if (v == -1) {
                throw new BadInputException("--categories", "category " + id + " has no ground truth in " + gt
                        + ", so it has no AP to average");
            }
        }
        return List.copyOf(categories);
    }
}
