package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.core.eval.coco.CocoDetection;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoResultsReader;
import org.visualrft.core.eval.coco.CocoSummary;
import org.visualrft.core.eval.lvis.LvisEvalReport;
import org.visualrft.core.eval.lvis.LvisEvalResult;
import org.visualrft.core.eval.lvis.LvisEvaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code visual-rft lvis-eval}: LVIS federated bbox AP (lvis-api semantics) and Visual-RFT's per-category AP. */
@Command(name = "lvis-eval", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description =
        "LVIS federated bbox evaluation (lvis-api semantics: at most 300 detections per image, positive / negative /"
                + " not-exhaustive categories per image, APr/APc/APf) and Visual-RFT's per-category AP and subset mean.")
public final class LvisEvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "LVIS ground truth.")
    Path gt;

    @Option(names = "--dt", required = true, paramLabel = "DT.json", description = "Results list (COCO format).")
    Path dt;

    @Mixin
    CategorySubsetOptions subsetOptions;

    @Option(names = "--max-dets", defaultValue = "300", paramLabel = "N",
            description = "Detections kept per image, highest scores first (default ${DEFAULT-VALUE}; -1: all).")
    int maxDets;

    @Option(names = "--json", paramLabel = "OUT.json",
            description = "Also write {results, per_category_ap, subset, subset_mean_ap, detections_over_limit} here"
                    + " (atomically).")
    Path json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (maxDets == 0 || maxDets < -1) {
            throw new org.visualrft.core.BadInputException("--max-dets", "must be -1 (all) or at least 1, got "
                    + maxDets);
        }
        if (json != null) {
            OutputPaths.requireFileTarget("--json", json);
            OutputPaths.refuseOverwritingInput("--json", json, Map.of("--gt", gt, "--dt", dt));
        }
        CocoGroundTruth truth = CocoGroundTruth.read(gt);
        subsetOptions.resolveNames(truth, gt);
        List<CocoDetection> results = CocoResultsReader.read(dt);
        LvisEvalResult r = new LvisEvaluator(maxDets, true).evaluate(truth, results, gt.toString(), dt.toString());
        if (r.detectionsOverLimit() > 0) {
            err.printf("visual-rft lvis-eval: note: %d detection(s) beyond %d per image were dropped (as lvis-api "
                    + "does)%n", r.detectionsOverLimit(), maxDets);
            err.flush();
        }
        Map<Long, Double> ap = r.perCategoryAp();
        List<Long> subset = subsetOptions.subset(ap, gt, "ground truth");
        double mean = subset.isEmpty() ? -1.0 : r.subsetMeanAp(subset);
        Map<Long, String> names = CategorySubsetOptions.namesById(truth);
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
}
