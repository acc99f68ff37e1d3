package org.visualrft.app.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code results.json}: the demo's numbers for machines. Keys are snake_case, maps are sorted, floats are plain JSON
 * numbers (NaN is written as null). {@link #problems} checks a parsed file against the documented schema.
 */
public final class ResultsJson {
    /** The schema identifier written into every file; bump the number when a key changes meaning. */
    public static final String SCHEMA = "visual-rft/demo-results/1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsJson() {
    }

    public static String write(DemoResults r) {
        try {
            return JSON.writeValueAsString(tree(r)) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode tree(DemoResults r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("version", r.version());
        root.put("mode", r.mode());
        root.put("seed", r.seed());
        root.set("config", JSON.valueToTree(new TreeMap<>(r.config())));
        root.set("eval_set_sizes", JSON.valueToTree(new TreeMap<>(r.evalSetSizes())));
        root.set("base", JSON.createObjectNode().<ObjectNode>set("scores", numbers(r.baseScores()))
                .set("pass_at_k", passAtK(r.passAtK())));
        ArrayNode runs = root.putArray("runs");
        for (RunRecord run : r.runs()) {
            ObjectNode o = runs.addObject();
            o.put("setting", run.setting());
            o.put("method", run.method());
            o.put("cot", run.cot());
            o.put("draw", run.draw());
            o.put("steps", run.steps());
            o.put("train_examples", run.trainExamples());
            o.put("seconds", round(run.seconds()));
            o.set("scores", numbers(run.scores()));
            o.set("training", numbers(run.training()));
        }
        ArrayNode tables = root.putArray("tables");
        for (ReportTable t : r.tables()) {
            ObjectNode o = tables.addObject();
            o.put("id", t.id());
            o.put("title", t.title());
            o.set("columns", JSON.valueToTree(t.columns()));
            ArrayNode rows = o.putArray("rows");
            for (ReportTable.Row row : t.rows()) {
                ObjectNode ro = rows.addObject();
                ro.put("label", row.label());
                ArrayNode cells = ro.putArray("cells");
                for (MeanSpread m : row.cells()) {
                    if (m == null) {
                        cells.addNull();
                    } else {
                        ObjectNode c = cells.addObject();
                        num(c, "mean", m.mean());
                        num(c, "spread", m.spread());
                        ArrayNode values = c.putArray("values");
                        for (double v : m.values()) {
                            values.add(Double.isFinite(v) ? round(v) : null);
                        }
                    }
                }
            }
            o.put("note", t.note());
        }
        ArrayNode curves = root.putArray("curves");
        for (Curve c : r.curves()) {
            ObjectNode o = curves.addObject();
            o.put("id", c.id());
            o.put("title", c.title());
            o.put("png", "plots/" + c.id() + ".png");
            o.set("categories", JSON.valueToTree(c.categories()));
            ArrayNode series = o.putArray("series");
            for (Curve.Series s : c.series()) {
                ObjectNode so = series.addObject();
                so.put("name", s.name());
                so.set("x", array(s.x()));
                so.set("y", array(s.y()));
                if (s.spread() != null) {
                    so.set("spread", array(s.spread()));
                }
            }
        }
        root.set("findings", JSON.valueToTree(r.findings()));
        root.set("missing", JSON.valueToTree(r.missing()));
        root.set("timings_s", numbers(r.timings()));
        return root;
    }

    private static ArrayNode passAtK(List<PassAtK> list) {
        ArrayNode a = JSON.createArrayNode();
        for (PassAtK p : list) {
            ObjectNode o = a.addObject();
            o.put("target", p.target());
            o.put("n", p.n());
            o.put("k", p.k());
            num(o, "pass1_greedy", p.pass1Greedy());
            num(o, "pass1_sampled", p.pass1Sampled());
            num(o, "pass_k", p.passK());
            num(o, "zero_variance_share", p.zeroVarianceShare());
        }
        return a;
    }

    private static ObjectNode numbers(Map<String, Double> m) {
        ObjectNode o = JSON.createObjectNode();
        new TreeMap<>(m).forEach((k, v) -> num(o, k, v));
        return o;
    }

    private static ArrayNode array(double[] v) {
        ArrayNode a = JSON.createArrayNode();
        for (double d : v) {
            a.add(Double.isFinite(d) ? round(d) : null);
        }
        return a;
    }

    private static void num(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, round(v));
        } else {
            o.putNull(key);
        }
    }

    /** Six significant decimals: enough for every score, and stable text for the same-seed comparison. */
    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** Every way {@code root} departs from the documented schema; empty when it conforms. */
    public static List<String> problems(JsonNode root) {
        List<String> p = new ArrayList<>();
        if (!SCHEMA.equals(root.path("schema").asText())) {
            p.add("schema is not " + SCHEMA);
        }
        requireText(root, "version", p);
        if (!List.of("full", "quick", "full+custom", "quick+custom").contains(root.path("mode").asText())) {
            p.add("mode is not full, quick, full+custom or quick+custom");
        }
        if (!root.path("seed").isIntegralNumber()) {
            p.add("seed is not an integer");
        }
        for (String obj : List.of("config", "eval_set_sizes", "base", "timings_s")) {
            if (!root.path(obj).isObject()) {
                p.add(obj + " is not an object");
            }
        }
        numberMap(root.path("base").path("scores"), "base.scores", p);
        for (JsonNode pk : root.path("base").path("pass_at_k")) {
            for (String k : List.of("n", "k", "pass1_greedy", "pass1_sampled", "pass_k", "zero_variance_share")) {
                if (!pk.path(k).isNumber()) {
                    p.add("base.pass_at_k[].{" + k + "} is not a number");
                }
            }
        }
        if (!root.path("runs").isArray()) {
            p.add("runs is not an array");
        }
        for (JsonNode run : root.path("runs")) {
            requireText(run, "setting", p);
            if (!List.of("sft", "rft").contains(run.path("method").asText())) {
                p.add("runs[].method is not sft or rft");
            }
            if (!run.path("cot").isBoolean()) {
                p.add("runs[].cot is not a boolean");
            }
            for (String k : List.of("draw", "steps", "train_examples", "seconds")) {
                if (!run.path(k).isNumber()) {
                    p.add("runs[]." + k + " is not a number");
                }
            }
            numberMap(run.path("scores"), "runs[].scores", p);
            numberMap(run.path("training"), "runs[].training", p);
        }
        if (!root.path("tables").isArray() || root.path("tables").isEmpty()) {
            p.add("tables is not a non-empty array");
        }
        for (JsonNode t : root.path("tables")) {
            requireText(t, "id", p);
            requireText(t, "title", p);
            int cols = t.path("columns").size();
            for (JsonNode row : t.path("rows")) {
                requireText(row, "label", p);
                if (row.path("cells").size() != cols) {
                    p.add("table " + t.path("id").asText() + " row '" + row.path("label").asText()
                            + "' has " + row.path("cells").size() + " cells for " + cols + " columns");
                }
                for (JsonNode c : row.path("cells")) {
                    if (!c.isNull() && !(c.path("mean").isNumber() && c.path("spread").isNumber()
                            && c.path("values").isArray())) {
                        p.add("table " + t.path("id").asText() + " has a cell without mean/spread/values");
                    }
                }
            }
        }
        for (JsonNode c : root.path("curves")) {
            requireText(c, "id", p);
            requireText(c, "png", p);
            for (JsonNode s : c.path("series")) {
                if (s.path("x").size() != s.path("y").size()) {
                    p.add("curve " + c.path("id").asText() + " series has x and y of different lengths");
                }
            }
        }
        for (String list : List.of("findings", "missing")) {
            if (!root.path(list).isArray()) {
                p.add(list + " is not an array");
            }
        }
        return p;
    }

    private static void requireText(JsonNode o, String key, List<String> p) {
        if (!o.path(key).isTextual() || o.path(key).asText().isEmpty()) {
            p.add(key + " is not a non-empty string");
        }
    }

    private static void numberMap(JsonNode o, String where, List<String> p) {
        if (!o.isObject()) {
            p.add(where + " is not an object");
            return;
        }
        o.fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber() && !e.getValue().isNull()) {
                p.add(where + "." + e.getKey() + " is not a number");
            }
        });
    }
}
