package org.visualrft.app.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    static DemoResults sample() {
        ReportTable t = new ReportTable("table2", "Table 2 — classification", List.of("Avg", "Top"),
                List.of(new ReportTable.Row("base", List.of(MeanSpread.of(0.5), MeanSpread.of(0.25))),
                        new ReportTable.Row("1-shot +SFT", java.util.Arrays.asList(MeanSpread.of(0.4, 0.6), null))),
                "mean ± spread over 2 draws");
        Curve line = new Curve("reward-cls", "Reward", "step", "reward",
                List.of(new Curve.Series("RFT", new double[] {1, 2, 3}, new double[] {1.0, 1.2, 1.5},
                        new double[] {0.1, 0.1, 0.2})), List.of());
        Curve bars = new Curve("score-per-shot", "Accuracy per shot", "shots", "accuracy",
                List.of(new Curve.Series("base", new double[] {0, 1}, new double[] {0.5, 0.5}, null),
                        new Curve.Series("RFT", new double[] {0, 1}, new double[] {0.6, 0.7}, new double[] {.02, .03})),
                List.of("1-shot", "2-shot"));
        RunRecord run = new RunRecord("cls-1shot", "rft", true, 0, 10, 4, 1.5, Map.of("cls_hard_acc", 0.6),
                Map.of("reward_first", 1.0, "kl_last", Double.NaN));
        return new DemoResults("quick", 7, "test", Map.of("grpo_steps", 10), Map.of("cls_hard", 160),
                Map.of("cls_hard_acc", 0.5), List.of(new PassAtK("cls_hard", 160, 8, 0.5, 0.45, 0.8, 0.25)),
                List.of(run), List.of(t), List.of(line, bars), List.of("RFT <did> not beat SFT"), List.of(),
                Map.of("total", 12.0));
    }

    @Test
    void writesEveryFileAndTheJsonConformsToTheSchema(@TempDir Path dir) throws Exception {
        Path html = ReportWriter.write(dir, sample());
        for (String f : List.of("results.json", "tables.txt", "report.html", "plots/reward-cls.png",
                "plots/score-per-shot.png")) {
            assertTrue(Files.size(dir.resolve(f)) > 100, f);
        }
        BufferedImage png = ImageIO.read(dir.resolve("plots/score-per-shot.png").toFile());
        assertEquals(ChartPainter.WIDTH, png.getWidth());
        var root = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(List.of(), ResultsJson.problems(root));
        assertTrue(root.path("runs").get(0).path("training").path("kl_last").isNull(), "NaN is written as null");
        String page = Files.readString(html);
        assertTrue(page.contains("data:image/png;base64,"));
        assertTrue(page.contains("RFT &lt;did&gt; not beat SFT"), "text is escaped");
        assertTrue(page.contains("0.500 ± 0.100"));
        // the reader is told what ± and the plots' bands are: a spread over draws, not a confidence interval
        assertTrue(page.contains("population standard deviation over k-shot draws (their spread, not a confidence"));
        assertTrue(page.contains("bands and error bars: ± the population standard deviation over the draws"));
        assertTrue(Files.readString(dir.resolve("tables.txt")).contains("1-shot +SFT"));
    }

    @Test
    void schemaCheckCatchesBrokenFiles() throws Exception {
        ObjectNode root = ResultsJson.tree(sample());
        root.put("mode", "fast");
        ((ObjectNode) root.path("runs").get(0)).put("method", "ppo");
        ((ObjectNode) root.path("tables").get(0).path("rows").get(0)).putArray("cells");
        List<String> p = ResultsJson.problems(root);
        assertTrue(p.contains("mode is not full, quick, full+custom or quick+custom"), p.toString());
        assertTrue(p.contains("runs[].method is not sft or rft"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("has 0 cells for 2 columns")), p.toString());
    }

    @Test
    void sameResultsSameBytes(@TempDir Path a, @TempDir Path b) throws Exception {
        ReportWriter.write(a, sample());
        ReportWriter.write(b, sample());
        assertEquals(Files.readString(a.resolve("results.json")), Files.readString(b.resolve("results.json")));
    }

    @Test
    void niceTicksCoverTheRange() {
        double[] t = ChartPainter.niceTicks(0.13, 0.87);
        assertTrue(t[0] <= 0.13 && t[t.length - 1] >= 0.87 && t.length <= 12);
    }
}
