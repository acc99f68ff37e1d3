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
import org.visualrft.core.eval.coco.CocoEvalReport;
import org.visualrft.core.eval.coco.CocoEvalResult;
import org.visualrft.core.eval.coco.CocoEvaluator;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoResultsReader;
import org.visualrft.core.eval.coco.CocoSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code visual-rft coco-eval}: pycocotools-exact bbox mAP, per-category AP and the Visual-RFT subset mean. */
@Command(name = "coco-eval", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description =
        "COCO bbox evaluation with pycocotools' exact numbers: the 12 summary stats, per-category AP (area all,"
                + " maxDets 100) and Visual-RFT's mAP over a category subset (mean of per-category AP).")
public final class CocoEvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "GT.json", description = "COCO ground truth.")
    Path gt;

    @Option(names = "--dt", required = true, paramLabel = "DT.json", description = "COCO results list.")
    Path dt;

    @Mixin
    CategorySubsetOptions subsetOptions;

    @Option(names = "--json", paramLabel = "OUT.json",
            description = "Also write {stats, per_category_ap, subset, subset_mean_ap,"
                    + " detections_of_unknown_categories} here (atomically).")
    Path json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (json != null) {
            OutputPaths.requireFileTarget("--json", json);
            OutputPaths.refuseOverwritingInput("--json", json, Map.of("--gt", gt, "--dt", dt));
        }
        CocoGroundTruth truth = CocoGroundTruth.read(gt);
        subsetOptions.resolveNames(truth, gt);
        List<CocoDetection> results = CocoResultsReader.read(dt);
        CocoEvalResult r = new CocoEvaluator().evaluate(truth, results, dt.toString());
        if (r.detectionsOfUnknownCategories() > 0) {
            err.printf("visual-rft coco-eval: warning: %d detection(s) in %s name categories that %s does not list; "
                    + "they were ignored (as pycocotools ignores them)%n", r.detectionsOfUnknownCategories(), dt, gt);
            err.flush();
        }
        Map<Long, Double> ap = r.perCategoryAp();
        List<Long> subset = subsetOptions.subset(ap, gt, "(non-crowd) ground truth");
        double mean = subset.isEmpty() ? -1.0 : r.subsetMeanAp(subset);

        Map<Long, String> names = CategorySubsetOptions.namesById(truth);
        out.print(CocoSummary.format(r));
        out.println();
        out.print(CocoSummary.perCategory(r, names));
        out.println();
        out.printf(Locale.ROOT, "mean AP over %d categor%s%s = %s%n", subset.size(), subset.size() == 1 ? "y" : "ies",
                subsetOptions.chosen() ? " " + subset : " with ground truth", CocoSummary.fixed(mean, 4));
        if (json != null) {
            CocoEvalReport.write(json, r, subset, mean);
            out.println("wrote " + json);
        }
        out.flush();
        return ExitCodes.OK;
    }
}
