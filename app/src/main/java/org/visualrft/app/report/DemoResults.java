package org.visualrft.app.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one demo run measured, in the form {@code results.json} stores it (schema in {@code docs/demo.md}).
 *
 * @param mode          {@code full} or {@code quick}
 * @param seed          the run's seed (same seed, same numbers)
 * @param version       the visual-rft version
 * @param config        the settings the run used (steps, learning rates, group size, …)
 * @param evalSetSizes  number of examples in each held-out set
 * @param baseScores    the untouched base model's scores by metric key
 * @param passAtK       the base model's pass@1 / pass@k per target
 * @param runs          every fine-tuning run
 * @param tables        the paper-layout tables
 * @param curves        the plots
 * @param findings      what the numbers say, in sentences
 * @param missing       what could not run, and why (empty when everything ran)
 * @param timings       seconds per phase
 */
public record DemoResults(String mode, long seed, String version, Map<String, Object> config,
        Map<String, Integer> evalSetSizes, Map<String, Double> baseScores, List<PassAtK> passAtK,
        List<RunRecord> runs, List<ReportTable> tables, List<Curve> curves, List<String> findings,
        List<String> missing, Map<String, Double> timings) {
    public DemoResults {
        passAtK = List.copyOf(passAtK);
        runs = List.copyOf(runs);
        tables = List.copyOf(tables);
        curves = List.copyOf(curves);
        findings = List.copyOf(findings);
        missing = List.copyOf(missing);
    }
}
