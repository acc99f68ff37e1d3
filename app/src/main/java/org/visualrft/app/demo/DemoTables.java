package org.visualrft.app.demo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.visualrft.app.report.MeanSpread;
import org.visualrft.app.report.ReportTable;
import org.visualrft.app.report.RunRecord;
import org.visualrft.core.world.FashionClass;
import org.visualrft.core.world.WorldRoles;

/** The paper-layout tables (2, 3, 6, 7 and the thinking ablation) from the base scores and the runs. */
public final class DemoTables {
    private final Map<String, Double> base;
    private final Map<String, Double> baseNoCot;
    private final List<RunRecord> runs;
    private final List<Setting> settings;

    public DemoTables(Map<String, Double> base, Map<String, Double> baseNoCot, List<RunRecord> runs,
            List<Setting> settings) {
        this.base = base;
        this.baseNoCot = baseNoCot;
        this.runs = runs;
        this.settings = settings;
    }

    public List<ReportTable> all() {
        List<ReportTable> out = new ArrayList<>();
        if (settings.stream().anyMatch(s -> s.kind() == org.visualrft.core.world.TaskKind.CLASSIFICATION)) {
            out.add(table2());
        }
        settings.stream().filter(s -> s.id().startsWith("det-")).findFirst().ifPresent(s -> out.add(table3(s)));
        settings.stream().filter(s -> s.id().equals("ground")).findFirst().ifPresent(s -> out.add(table6(s)));
        settings.stream().filter(s -> s.id().equals("ov")).findFirst().ifPresent(s -> out.add(table7(s)));
        if (runs.stream().anyMatch(r -> !r.cot())) {
            out.add(cotAblation());
        }
        return out;
    }

    private ReportTable table2() {
        List<String> cols = new ArrayList<>(List.of("Avg (hard group)"));
        List<String> keys = new ArrayList<>(List.of("cls_hard_acc"));
        for (FashionClass c : WorldRoles.HARD_CLASSES) {
            cols.add(c.displayName());
            keys.add("cls_hard_acc_" + WorldScores.key(c));
        }
        cols.add("other skills");
        keys.add("other_skills");
        List<ReportTable.Row> rows = new ArrayList<>();
        rows.add(baseRow("base (zero-shot)", keys, settings.get(0)));
        for (Setting s : settings) {
            if (s.kind() == org.visualrft.core.world.TaskKind.CLASSIFICATION) {
                rows.add(runRow(s.label() + " +SFT", s, "sft", true, keys));
                rows.add(runRow(s.label() + " +Visual-RFT", s, "rft", true, keys));
            }
        }
        return new ReportTable("table2", "Table 2 — few-shot fine-grained classification (Top/Pullover/Coat/Shirt, "
                + "accuracy)", cols, rows, note());
    }

    private ReportTable table3(Setting s) {
        List<String> cols = new ArrayList<>(List.of("mAP"));
        List<String> keys = new ArrayList<>(List.of("det_fewshot_map"));
        for (FashionClass c : WorldRoles.FEW_SHOT_DETECTION) {
            cols.add(c.displayName());
            keys.add("det_fewshot_ap_" + WorldScores.key(c));
        }
        cols.addAll(List.of("AP50", "No Objects", "other skills"));
        keys.addAll(List.of("det_fewshot_map50", "det_fewshot_no_objects", "other_skills"));
        List<ReportTable.Row> rows = List.of(baseRow("base", keys, s), runRow(s.label() + " +SFT", s, "sft", true, keys),
                runRow(s.label() + " +Visual-RFT", s, "rft", true, keys));
        return new ReportTable("table3", "Table 3 — few-shot detection of Sandal and Bag (COCO mAP@[.5:.95])", cols,
                rows, note() + " \"No Objects\": share of negative queries answered so.");
    }

    private ReportTable table6(Setting s) {
        List<String> keys = List.of("ground_miou", "ground_format", "other_skills");
        List<ReportTable.Row> rows = List.of(baseRow("base", keys, s), runRow(s.label() + " +SFT", s, "sft", true, keys),
                runRow(s.label() + " +Visual-RFT", s, "rft", true, keys));
        return new ReportTable("table6", "Table 6 — reasoning grounding (\"the item left of the Bag\", mean IoU)",
                List.of("mIoU_test", "format", "other skills"), rows, note());
    }

    private ReportTable table7(Setting s) {
        List<String> keys = List.of("det_novel_map", "det_base_map", "map_all", "other_skills");
        List<ReportTable.Row> rows = List.of(baseRow("base", keys, s), runRow(s.label() + " +SFT", s, "sft", true, keys),
                runRow(s.label() + " +Visual-RFT", s, "rft", true, keys));
        return new ReportTable("table7", "Table 7 — open vocabulary: fine-tune on the 6 base categories, test on the "
                + "never-queried Trouser and Sneaker (COCO mAP)", List.of("mAP_n", "mAP_b", "mAP_all", "other skills"),
                rows, note());
    }

    private ReportTable cotAblation() {
        Setting s = settings.stream().filter(x -> runs.stream().anyMatch(r -> !r.cot() && r.setting().equals(x.id())))
                .findFirst().orElseThrow();
        List<String> keys = List.of("cls_hard_acc", "cls_hard_format", "other_skills");
        List<ReportTable.Row> rows = new ArrayList<>();
        rows.add(baseRow("base, with thinking", keys, s));
        rows.add(new ReportTable.Row("base, without thinking", cells(keys, k -> value(baseNoCot, k, s))));
        rows.add(runRow(s.label() + " +Visual-RFT, with thinking", s, "rft", true, keys));
        rows.add(runRow(s.label() + " +Visual-RFT, without thinking", s, "rft", false, keys));
        return new ReportTable("cot", "Ablation — Visual-RFT with and without <think> (" + s.label()
                + " classification)", List.of("Avg (hard group)", "format", "other skills"), rows, note());
    }

    private ReportTable.Row baseRow(String label, List<String> keys, Setting s) {
        return new ReportTable.Row(label, cells(keys, k -> value(base, k, s)));
    }

    private ReportTable.Row runRow(String label, Setting s, String method, boolean cot, List<String> keys) {
        List<RunRecord> rs = runs.stream().filter(r -> r.setting().equals(s.id()) && r.method().equals(method)
                && r.cot() == cot).toList();
        List<MeanSpread> cells = new ArrayList<>();
        for (String k : keys) {
            double[] v = rs.stream().mapToDouble(r -> value(r.scores(), k, s)).filter(Double::isFinite).toArray();
            cells.add(v.length == 0 ? null : MeanSpread.of(v));
        }
        return new ReportTable.Row(label, cells);
    }

    private static List<MeanSpread> cells(List<String> keys, ToDoubleFunction<String> f) {
        List<MeanSpread> out = new ArrayList<>();
        for (String k : keys) {
            double v = f.applyAsDouble(k);
            out.add(Double.isFinite(v) ? MeanSpread.of(v) : null);
        }
        return out;
    }

    /** A score, with the derived keys: other skills of the setting, and mAP over all 8 OV categories. */
    static double value(Map<String, Double> scores, String key, Setting s) {
        if (key.equals("other_skills")) {
            return scores.containsKey("other_skills") ? scores.get("other_skills")
                    : s.otherSkills(scores);
        }
        if (key.equals("map_all")) {
            double[] aps = scores.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("det_novel_ap_") || e.getKey().startsWith("det_base_ap_"))
                    .mapToDouble(Map.Entry::getValue).toArray();
            return aps.length == 0 ? Double.NaN : Arrays.stream(aps).average().orElse(Double.NaN);
        }
        return scores.getOrDefault(key, Double.NaN);
    }

    private String note() {
        int draws = (int) runs.stream().mapToInt(RunRecord::draw).distinct().count();
        return "Fine-tuned rows: mean ± population standard deviation over " + draws + " k-shot draw(s). \"Other "
                + "skills\": mean primary score on the held-out sets of tasks not trained on.";
    }
}
