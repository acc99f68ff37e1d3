package org.visualrft.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void sameSeedSameNumbers(@TempDir Path a, @TempDir Path b) throws Exception {
        assertTrue(Files.isRegularFile(SHIPPED.resolve("model.safetensors")), "the shipped base model is missing");
        DemoPlan micro = new DemoPlan("quick", 5, new EvalSizes(2, 1, 4, 4, 4, 4), 1, List.of(1), 1, 1, 2, 2, 2,
                5e-5, 5e-5, 2, 1, 2, 0.04, false, false, 2, 2, 1, List.of());
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        new DemoPipeline(micro, SHIPPED, a, quiet, false).run("test");
        new DemoPipeline(micro, SHIPPED, b, quiet, false).run("test");
        assertEquals(withoutTimes(a), withoutTimes(b));
    }

    private static String withoutTimes(Path dir) throws Exception {
        ObjectNode root = (ObjectNode) new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        root.remove("timings_s");
        root.path("runs").forEach(r -> ((ObjectNode) r).remove("seconds"));
        return root.toString();
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
