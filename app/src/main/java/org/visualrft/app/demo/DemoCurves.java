package org.visualrft.app.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.visualrft.app.report.Curve;
import org.visualrft.app.report.RunRecord;

/** The demo's plots: GRPO reward and KL per step, SFT loss per step, and target score per shot. */
public final class DemoCurves {
    private DemoCurves() {
    }

    public static List<Curve> all(List<FineTuner.Result> results, List<Setting> settings, Map<String, Double> base) {
        List<Curve> out = new ArrayList<>();
        out.add(perStep("reward", "GRPO training reward (mean of the group, sum of the paper's rewards)", "reward",
                results, settings, "rft"));
        out.add(perStep("kl", "GRPO KL to the base (k3 estimator)", "KL", results, settings, "rft"));
        out.add(perStep("zero-std", "GRPO share of groups with zero reward variance", "share", results, settings,
                "rft", "frac_reward_zero_std"));
        out.add(perStep("sft-loss", "SFT loss", "loss", results, settings, "sft", "loss"));
        if (settings.stream().anyMatch(s -> s.id().startsWith("cls-"))) {
            out.add(perShot(results, settings, base));
        }
        return out;
    }

    private static Curve perStep(String id, String title, String yLabel, List<FineTuner.Result> results,
            List<Setting> settings, String method) {
        return perStep(id, title, yLabel, results, settings, method, id);
    }

    /** One line per setting: the per-step mean over its draws, the spread over draws as a band. */
    private static Curve perStep(String id, String title, String yLabel, List<FineTuner.Result> results,
            List<Setting> settings, String method, String key) {
        List<Curve.Series> series = new ArrayList<>();
        for (Setting s : settings) {
            List<double[]> lines = results.stream().filter(r -> r.spec().setting().id().equals(s.id())
                    && r.spec().method().equals(method) && r.spec().cot()).map(r -> r.curve().get(key)).toList();
            int len = lines.stream().mapToInt(a -> a.length).min().orElse(0);
            if (len == 0) {
                continue;
            }
            double[] x = new double[len];
            double[] y = new double[len];
            double[] sp = new double[len];
            for (int i = 0; i < len; i++) {
                x[i] = i + 1;
                final int t = i;
                double[] v = lines.stream().mapToDouble(a -> a[t]).toArray();
                double m = java.util.Arrays.stream(v).average().orElse(Double.NaN);
                y[i] = m;
                sp[i] = Math.sqrt(java.util.Arrays.stream(v).map(a -> (a - m) * (a - m)).sum() / v.length);
            }
            series.add(new Curve.Series(s.id(), x, y, sp));
        }
        return new Curve(id, title, "optimiser step", yLabel, series, List.of());
    }

    /** Hard-group accuracy per shot count: base, SFT and Visual-RFT with the spread over draws. */
    private static Curve perShot(List<FineTuner.Result> results, List<Setting> settings, Map<String, Double> base) {
        List<Setting> cls = settings.stream().filter(s -> s.id().startsWith("cls-")).toList();
        List<String> cats = cls.stream().map(Setting::label).toList();
        double[] x = new double[cls.size()];
        double[] b = new double[cls.size()];
        List<Curve.Series> series = new ArrayList<>();
        for (int i = 0; i < cls.size(); i++) {
            x[i] = i;
            b[i] = base.getOrDefault("cls_hard_acc", Double.NaN);
        }
        series.add(new Curve.Series("base", x, b, null));
        for (String method : List.of("sft", "rft")) {
            double[] y = new double[cls.size()];
            double[] sp = new double[cls.size()];
            for (int i = 0; i < cls.size(); i++) {
                String id = cls.get(i).id();
                double[] v = results.stream().map(FineTuner.Result::record)
                        .filter(r -> r.setting().equals(id) && r.method().equals(method) && r.cot())
                        .mapToDouble(r -> r.scores().getOrDefault("cls_hard_acc", Double.NaN)).toArray();
                double m = java.util.Arrays.stream(v).average().orElse(Double.NaN);
                y[i] = m;
                sp[i] = Math.sqrt(java.util.Arrays.stream(v).map(a -> (a - m) * (a - m)).sum() / Math.max(1, v.length));
            }
            series.add(new Curve.Series(method.equals("sft") ? "SFT" : "Visual-RFT", x, y, sp));
        }
        return new Curve("score-per-shot", "Hard-group accuracy per shot (held-out test)", "shots per class",
                "accuracy", series, cats);
    }

    /** Records of one setting and method. */
    static List<RunRecord> of(List<RunRecord> runs, String setting, String method) {
        return runs.stream().filter(r -> r.setting().equals(setting) && r.method().equals(method) && r.cot()).toList();
    }
}
