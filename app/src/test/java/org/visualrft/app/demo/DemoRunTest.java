package org.visualrft.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.cli.VisualRftCommand;
import org.visualrft.app.report.ResultsJson;
import org.visualrft.core.world.EvalSizes;
import picocli.CommandLine;

class DemoRunTest {
    /** The shipped base model (tests run in the app module's folder). */
    static final Path SHIPPED = Path.of("..", "models", "vrft-tiny-base");

    @Test
    void quickDemoWritesEveryFileAndResultsFollowTheSchema(@TempDir Path out) throws Exception {
        assertTrue(Files.isRegularFile(SHIPPED.resolve("model.safetensors")), "the shipped base model is missing");
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--quick", "--model", SHIPPED.toString(), "--out", out.toString());
        assertEquals(0, code, err.toString());
        for (String f : List.of("report.html", "results.json", "tables.txt", "plots/reward.png", "plots/kl.png",
                "plots/score-per-shot.png", "metrics/cls-1shot-rft-d0.jsonl", "metrics/cls-1shot-sft-d0.jsonl")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(List.of(), ResultsJson.problems(root));
        assertEquals("quick", root.path("mode").asText());
        List<String> tables = root.path("tables").findValuesAsText("id");
        assertTrue(tables.containsAll(List.of("table2", "table3", "table6", "table7", "cot")), tables.toString());
        assertTrue(root.path("base").path("scores").has("cls_hard_acc"));
        assertEquals(4, root.path("base").path("pass_at_k").size());
        assertTrue(Files.readString(out.resolve("report.html")).contains("Table 3"));
        assertTrue(Files.notExists(out.resolve("runs")), "run checkpoints are cleaned up");
    }

    /** A demo of seconds: tiny held-out sets, one draw, 2 steps per run; {@code only} picks settings. */
    static DemoPlan micro(int workers, List<String> only) {
        return new DemoPlan("quick", 5, new EvalSizes(2, 1, 4, 4, 4, 4), 1, List.of(1), 1, 1, 2, 2, 2,
                5e-5, 5e-5, 2, 1, 2, 0.04, false, false, 2, 2, workers, only);
    }

    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void sameSeedSameNumbersWhateverTheWorkers(@TempDir Path a, @TempDir Path b) throws Exception {
        assertTrue(Files.isRegularFile(SHIPPED.resolve("model.safetensors")), "the shipped base model is missing");
        new DemoPipeline(micro(1, List.of()), SHIPPED, a, QUIET, false).run("test");
        new DemoPipeline(micro(2, List.of()), SHIPPED, b, QUIET, false).run("test");
        assertEquals(withoutTimes(a), withoutTimes(b));
    }

    /** results.json without what may differ between equal runs: times and the worker count. */
    private static String withoutTimes(Path dir) throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        root.remove("timings_s");
        ((ObjectNode) root.path("config")).remove("workers");
        root.path("runs").forEach(r -> ((ObjectNode) r).remove("seconds"));
        return root.toString();
    }

    /** What a previous demo (with classification settings) left in {@code out}. */
    static void previousRun(Path out) throws Exception {
        Files.createDirectories(out.resolve("metrics"));
        Files.createDirectories(out.resolve("plots"));
        Files.writeString(out.resolve("results.json"), "{\n  \"schema\" : \"" + ResultsJson.SCHEMA + "\",\n}\n");
        Files.writeString(out.resolve("metrics/cls-1shot-sft-d0.jsonl"), "{}\n");
        Files.writeString(out.resolve("plots/score-per-shot.png"), "png");
        Files.writeString(out.resolve("report.html"), "<html>");
        Files.writeString(out.resolve(".DS_Store"), "Finder"); // a Mac user looked at the folder
    }

    @Test
    void aRerunReplacesThePreviousRunsFilesAndLeavesNoStaging(@TempDir Path out) throws Exception {
        previousRun(out);
        // what a killed run leaves behind
        Path killed = Files.createDirectories(out.resolve(DemoOutput.STAGING).resolve("runs/ground-rft-d0"));
        Files.writeString(killed.resolve("model.safetensors"), "half");
        Files.writeString(out.resolve(DemoOutput.STAGING).resolve("results.json"), "{");

        new DemoPipeline(micro(1, List.of("ground")), SHIPPED, out, QUIET, false).run("test");
        try (var files = Files.list(out.resolve("metrics"))) {
            assertEquals(List.of("ground-rft-d0.jsonl", "ground-sft-d0.jsonl"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "only this run's metrics");
        }
        assertTrue(Files.notExists(out.resolve("plots/score-per-shot.png")), "no plot of the previous run");
        assertTrue(Files.notExists(out.resolve(DemoOutput.STAGING)), "staging removed");
        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(List.of("ground"), root.path("runs").findValuesAsText("setting").stream().distinct().toList());
        assertTrue(Files.readString(out.resolve("report.html")).contains("Table 6"), "the report replaced");
    }

    @Test
    void aFailedRunLeavesThePreviousResultsWhole(@TempDir Path out, @TempDir Path broken) throws Exception {
        previousRun(out);
        String before = Files.readString(out.resolve("results.json"));
        Files.copy(SHIPPED.resolve("config.json"), broken.resolve("config.json"));
        Files.writeString(broken.resolve("model.safetensors"), "not weights");
        Files.createDirectories(out.resolve(DemoOutput.STAGING).resolve("runs")); // a killed run's, emptied by this one
        assertThrows(Exception.class,
                () -> new DemoPipeline(micro(1, List.of("ground")), broken, out, QUIET, false).run("test"));
        assertEquals(before, Files.readString(out.resolve("results.json")));
        assertTrue(Files.exists(out.resolve("metrics/cls-1shot-sft-d0.jsonl")));
        assertTrue(Files.exists(out.resolve("report.html")));
        assertTrue(Files.notExists(out.resolve(DemoOutput.STAGING)), "staging removed after a failure");
    }

    @Test
    void aSecondDemoIntoTheSameFolderIsRefusedWhileTheFirstRuns(@TempDir Path out) throws Exception {
        try (DemoOutput first = DemoOutput.open(out)) {
            Files.writeString(first.staging().resolve("tables.txt"), "the first run's");
            org.visualrft.core.BadInputException e = assertThrows(org.visualrft.core.BadInputException.class,
                    () -> DemoOutput.open(out));
            assertTrue(e.getMessage().contains("in use by another demo run"), e.getMessage());
            assertEquals("the first run's", Files.readString(first.staging().resolve("tables.txt")));
        }
        assertTrue(Files.notExists(out.resolve(DemoOutput.STAGING)));
    }

    @Test
    void anOutFolderHoldingOtherFilesIsRefusedAndLeftAlone(@TempDir Path dir) throws Exception {
        // the demo used to write into any folder and delete its runs/ subfolder (a training run's usual name)
        Path runs = Files.createDirectories(dir.resolve("runs").resolve("grpo-1"));
        Files.writeString(runs.resolve("metrics.jsonl"), "{}");
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--quick", "--model", SHIPPED.toString(), "--out", dir.toString());
        assertEquals(2, code, err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
        assertTrue(err.toString().contains("not a demo's output (runs)"), err.toString());
        assertEquals("{}", Files.readString(runs.resolve("metrics.jsonl")));
        try (var files = Files.list(dir)) {
            assertEquals(List.of("runs"), files.map(p -> p.getFileName().toString()).toList(), "nothing written");
        }
        // a results.json of another kind (a COCO detections file) is not replaced either
        Path coco = Files.createDirectories(dir.resolve("coco"));
        Files.writeString(coco.resolve("results.json"), "[{\"image_id\": 1}]");
        assertThrows(org.visualrft.core.BadInputException.class, () -> DemoOutput.check(coco));
    }

    @Test
    void anUnknownSettingIsRefusedBeforeTheOutFolderIsMade(@TempDir Path dir) {
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--quick", "--model", SHIPPED.toString(), "--settings", "cls-2shot",
                "--out", dir.resolve("o").toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("unknown setting 'cls-2shot'"), err.toString());
        assertTrue(Files.notExists(dir.resolve("o")), "no empty output folder left");
    }

    @Test
    void missingBaseModelIsBadInputWithOneLine(@TempDir Path empty) {
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("demo", "--quick", "--model", empty.toString(), "--out", empty.resolve("o").toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("no base model here"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
