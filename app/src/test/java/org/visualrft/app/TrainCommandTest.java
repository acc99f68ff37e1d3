package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

class TrainCommandTest {
    /** A small vrft-tiny model folder and a 4-record classification dataset of PNG files. */
    static void setUp(Path dir) throws Exception {
        Path tokFile = dir.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of("What is the category of this item ?", "Shirt Sandal top shoe"))
                .write(tokFile);
        try (Tokenizer tok = Tokenizer.load(tokFile)) {
            TinyConfig c = new TinyConfig(16, 8, 1, 16, 1, 2, 32, 32, 2, 4, 2, 64, tok.vocabSize(), 96, 10000.0,
                    1e-6, 2, 1, 3, 4);
            try (TinyVlm m = TinyVlm.create(c, tok.copy(), 1)) {
                m.save(dir.resolve("model"));
            }
        }
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
            int v = i % 2 == 0 ? 200 : 50;
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 20; x++) {
                    img.setRGB(x, y, (v << 16) | (v << 8) | v);
                }
            }
            ImageIO.write(img, "png", dir.resolve("img" + i + ".png").toFile());
            String label = i % 2 == 0 ? "Shirt" : "Sandal";
            jsonl.append("{\"image\": \"img").append(i).append(".png\", \"problem\": \"What is the category of this ")
                    .append("item ?\", \"solution\": \"<answer>").append(label).append("</answer>\", \"task\": ")
                    .append("\"classification\", \"thinking\": \"").append(i % 2 == 0 ? "top" : "shoe").append("\"}\n");
        }
        Files.writeString(dir.resolve("train.jsonl"), jsonl.toString());
    }

    static Path config(Path dir, String name, String body) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("train.jsonl") + "\n"
                + "eval_dataset: " + dir.resolve("train.jsonl") + "\n" + body);
        return f;
    }

    @Test
    void grpoRunsSavesAndResumes(@TempDir Path dir) throws Exception {
        setUp(dir);
        String common = "output_dir: " + dir.resolve("run") + "\nnum_generations: 4\nmax_completion_length: 8\n"
                + "learning_rate: 1.0e-3\nsave_steps: 2\neval_steps: 2\nreward_mode: strict\n";
        CliRun r = CliRun.of("train", "grpo", "--config", config(dir, "grpo.yaml", common + "max_steps: 2\n").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("grpo: 2 of 2 steps done"), r.out());
        assertTrue(Files.isDirectory(dir.resolve("run/checkpoint-2/model")));
        assertTrue(Files.isRegularFile(dir.resolve("run/provenance.json")));
        String metrics = Files.readString(dir.resolve("run/metrics.jsonl"));
        assertTrue(metrics.contains("\"eval/rewards/accuracy\"") && metrics.contains("\"eval/classification_accuracy\""),
                metrics);

        CliRun again = CliRun.of("train", "grpo", "--config", config(dir, "grpo.yaml", common + "max_steps: 2\n").toString());
        assertEquals(2, again.code(), "a second run into the same output_dir needs --resume: " + again.err());
        assertTrue(again.err().contains("--resume"), again.err());

        CliRun resumed = CliRun.of("train", "grpo", "--resume", "--config",
                config(dir, "grpo.yaml", common + "max_steps: 3\n").toString());
        assertEquals(0, resumed.code(), resumed.out() + resumed.err());
        assertTrue(resumed.out().contains("resuming from"), resumed.out());
        assertTrue(resumed.out().contains("grpo: 3 of 3 steps done"), resumed.out());
        assertTrue(Files.isDirectory(dir.resolve("run/checkpoint-3")));
    }

    @Test
    void sftRuns(@TempDir Path dir) throws Exception {
        setUp(dir);
        CliRun r = CliRun.of("train", "sft", "--config", config(dir, "sft.yaml", "output_dir: " + dir.resolve("sft")
                + "\nsft_target: with_thinking\nmax_steps: 2\nper_device_train_batch_size: 2\n").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("sft: 2 of 2 steps done"), r.out());
        assertTrue(Files.isDirectory(dir.resolve("sft/checkpoint-2/model")));
    }

    /** report_to: tensorboard writes an event file beside metrics.jsonl; what it cannot do is refused before a step. */
    @Test
    void reportsToTensorBoardAndRefusesWhatItCannot(@TempDir Path dir) throws Exception {
        setUp(dir);
        String common = "\nsft_target: with_thinking\nmax_steps: 2\nper_device_train_batch_size: 2\n";
        CliRun r = CliRun.of("train", "sft", "--config", config(dir, "tb.yaml", "output_dir: " + dir.resolve("tb")
                + common + "report_to: tensorboard\n").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        List<Path> events;
        try (java.util.stream.Stream<Path> s = Files.list(dir.resolve("tb/tensorboard"))) {
            events = s.toList();
        }
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).getFileName().toString().startsWith("events.out.tfevents."), events.toString());
        assertTrue(Files.size(events.get(0)) > 100, "holds the two steps' scalars");

        CliRun wandb = CliRun.of("train", "sft", "--config", config(dir, "w.yaml", "output_dir: " + dir.resolve("w")
                + common + "report_to: wandb\n").toString());
        assertEquals(2, wandb.code(), wandb.out() + wandb.err());
        assertEquals(1, wandb.err().strip().lines().count(), wandb.err());
        assertTrue(wandb.err().contains("report_to") && wandb.err().contains("'wandb' is not available"), wandb.err());
        assertTrue(!Files.exists(dir.resolve("w")), "nothing written");

        Files.writeString(dir.resolve("a-file"), "x");
        CliRun onFile = CliRun.of("train", "sft", "--config", config(dir, "f.yaml", "output_dir: " + dir.resolve("f")
                + common + "report_to: tensorboard\nlogging_dir: " + dir.resolve("a-file") + "\n").toString());
        assertEquals(2, onFile.code(), onFile.out() + onFile.err());
        assertEquals(1, onFile.err().strip().lines().count(), onFile.err());
        assertTrue(onFile.err().contains("logging_dir"), onFile.err());
        assertTrue(!Files.exists(dir.resolve("f")), "nothing written");
        assertEquals("x", Files.readString(dir.resolve("a-file")));
    }

    /** metric_for_best_model names a metric the evaluation of eval_dataset reports, or the run does not start. */
    @Test
    void bestModelMetricIsCheckedBeforeTheRun(@TempDir Path dir) throws Exception {
        setUp(dir);
        CliRun r = CliRun.of("train", "grpo", "--config", config(dir, "b.yaml", "output_dir: " + dir.resolve("b")
                + "\nnum_generations: 2\nmax_completion_length: 4\nmax_steps: 2\nsave_steps: 2\neval_steps: 2\n"
                + "metric_for_best_model: eval/detection_map\n").toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("b.yaml") && r.err().contains("reports no 'detection_map'")
                && r.err().contains("classification_accuracy"), r.err());
        assertTrue(!Files.exists(dir.resolve("b")), "nothing written");

        CliRun ok = CliRun.of("train", "grpo", "--config", config(dir, "g.yaml", "output_dir: " + dir.resolve("g")
                + "\nnum_generations: 2\nmax_completion_length: 4\nmax_steps: 2\nsave_steps: 1\neval_steps: 1\n"
                + "save_total_limit: 1\nmetric_for_best_model: eval_classification_accuracy\nreward_mode: strict\n")
                .toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("grpo: best checkpoint ") && ok.out().contains("(eval/classification_accuracy "),
                ok.out());

        // SFT's evaluation reports the loss on the evaluation targets; GRPO's does not
        CliRun sft = CliRun.of("train", "sft", "--config", config(dir, "s.yaml", "output_dir: " + dir.resolve("s")
                + "\nmax_steps: 2\nsave_steps: 1\neval_steps: 1\nmetric_for_best_model: eval_loss\n").toString());
        assertEquals(0, sft.code(), sft.out() + sft.err());
        assertTrue(sft.out().contains("sft: best checkpoint ") && sft.out().contains("(eval/loss "), sft.out());
        assertTrue(sft.out().matches("(?s).*sft: training ([0-9,]+) of \\1 parameters \\(100\\.00%\\).*"), sft.out());
        CliRun grpo = CliRun.of("train", "grpo", "--config", config(dir, "l.yaml", "output_dir: " + dir.resolve("l")
                + "\nnum_generations: 2\nmax_steps: 2\nsave_steps: 2\neval_steps: 2\nmetric_for_best_model: eval_loss\n")
                .toString());
        assertEquals(2, grpo.code(), grpo.out() + grpo.err());
        assertTrue(grpo.err().contains("reports no 'loss'"), grpo.err());
    }

    /** `train` alone names no trainer: a usage error naming both, exit 2 (it printed the usage and exited 0). */
    @Test
    void trainWithoutATrainerIsAUsageError() {
        CliRun r = CliRun.of("train");
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("train grpo") && r.err().contains("train sft"), r.err());
    }

    @Test
    void helpListsBothTrainers() {
        CliRun r = CliRun.of("train", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("grpo") && r.out().contains("sft"), r.out());
        CliRun g = CliRun.of("train", "grpo", "--help");
        assertTrue(g.out().contains("--config") && g.out().contains("--resume"), g.out());
    }

    @Test
    void badConfigIsOneLineAndExit2(@TempDir Path dir) throws Exception {
        setUp(dir);
        Path f = config(dir, "bad.yaml", "num_generation: 8\n");
        CliRun r = CliRun.of("train", "grpo", "--config", f.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(f.toString()) && r.err().contains("unknown setting 'num_generation'"), r.err());
        CliRun missing = CliRun.of("train", "sft", "--config", dir.resolve("none.yaml").toString());
        assertEquals(2, missing.code(), missing.err());
    }

    /** --nproc 0 and --dist-timeout 0 each name their own option (they were one "--nproc/--dist-timeout" line). */
    @Test
    void distributedOptionsOutOfRangeNameTheOption(@TempDir Path dir) throws Exception {
        setUp(dir);
        Path f = config(dir, "d.yaml", "output_dir: " + dir.resolve("d") + "\nmax_steps: 1\n");
        CliRun n = CliRun.of("train", "grpo", "--config", f.toString(), "--nproc", "0");
        assertEquals(2, n.code(), n.out() + n.err());
        assertTrue(n.err().strip().equals("visual-rft grpo: --nproc: must be at least 1, got 0"), n.err());
        CliRun t = CliRun.of("train", "sft", "--config", f.toString(), "--dist-timeout", "-5");
        assertEquals(2, t.code(), t.out() + t.err());
        assertTrue(t.err().strip().equals("visual-rft sft: --dist-timeout: must be at least 1 (seconds), got -5"),
                t.err());
        assertTrue(Files.notExists(dir.resolve("d")));
        // NCCL on a CPU run: one line before any rank starts (it was a rank's "process group did not form ..." per
        // rank, exit 1)
        CliRun nccl = CliRun.of("train", "grpo", "--config", f.toString(), "--nproc", "2", "--dist-backend", "nccl");
        assertEquals(2, nccl.code(), nccl.out() + nccl.err());
        assertEquals("", nccl.out());
        assertTrue(nccl.err().strip().startsWith("visual-rft grpo: --dist-backend: nccl moves CUDA tensors only")
                && nccl.err().strip().lines().count() == 1, nccl.err());
        assertTrue(Files.notExists(dir.resolve("d")));
    }

    /**
     * eval_steps or eval_limit without an eval_dataset is refused (they used to do nothing, silently); an eval_dataset
     * is read and checked even with eval_steps 0 (it used to be skipped unread, a missing file included), and the run
     * says it will not evaluate it.
     */
    @Test
    void evalSettingsWithoutAnEvalSetAreRefusedAndAnEvalSetIsAlwaysChecked(@TempDir Path dir) throws Exception {
        setUp(dir);
        String common = "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("train.jsonl") + "\noutput_dir: "
                + dir.resolve("e") + "\nmax_steps: 1\n";
        Path steps = dir.resolve("steps.yaml");
        Files.writeString(steps, common + "eval_steps: 1\n");
        CliRun r = CliRun.of("train", "grpo", "--config", steps.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("visual-rft grpo: " + steps + ": 'eval_steps' is 1 but no eval_dataset is set (nothing to "
                + "evaluate); set eval_dataset, or remove eval_steps", r.err().strip());
        Path limit = dir.resolve("limit.yaml");
        Files.writeString(limit, common + "eval_limit: 5\n");
        CliRun l = CliRun.of("train", "sft", "--config", limit.toString());
        assertEquals(2, l.code(), l.out() + l.err());
        assertTrue(l.err().strip().lines().count() == 1 && l.err().contains("'eval_limit' is 5 but no eval_dataset"),
                l.err());

        Path missing = dir.resolve("missing.yaml");
        Files.writeString(missing, common + "eval_dataset: " + dir.resolve("nope.jsonl") + "\n");
        CliRun m = CliRun.of("train", "grpo", "--config", missing.toString());
        assertEquals(2, m.code(), m.out() + m.err());
        assertTrue(m.err().strip().lines().count() == 1 && m.err().contains(dir.resolve("nope.jsonl").toString())
                && m.err().contains("no such dataset file"), m.err());
        assertTrue(Files.notExists(dir.resolve("e")), "nothing is written");

        CliRun ok = CliRun.of("train", "sft", "--config", config(dir, "ok.yaml", "output_dir: " + dir.resolve("e")
                + "\nmax_steps: 1\n").toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("sft: note: eval_dataset is set but eval_steps is 0 (off)"), ok.out());
        assertTrue(!Files.readString(dir.resolve("e/metrics.jsonl")).contains("\"eval/"), "no evaluation ran");
        assertTrue(!ok.out().contains("completions end after"), "no note about an evaluation that does not run: "
                + ok.out());
        // with evaluation on, SFT's note names its own budget key (it named GRPO's max_completion_length)
        CliRun on = CliRun.of("train", "sft", "--config", config(dir, "on.yaml", "output_dir: " + dir.resolve("on")
                + "\nmax_steps: 1\neval_steps: 1\neval_limit: 1\n").toString());
        assertEquals(0, on.code(), on.out() + on.err());
        assertTrue(on.out().contains("(max_length, the evaluation's answer budget 256)")
                && !on.out().contains("max_completion_length"), on.out());
    }

    /**
     * output_dir naming the model folder (also through a link): refused before anything is written. It used to train
     * and write its checkpoints and metrics into the base model's folder, which --resume then found changed.
     */
    @Test
    void anOutputDirThatIsTheModelFolderIsRefused(@TempDir Path dir) throws Exception {
        setUp(dir);
        List<Path> before;
        try (var files = Files.list(dir.resolve("model"))) {
            before = files.sorted().toList();
        }
        Path link = Files.createSymbolicLink(dir.resolve("link"), dir.resolve("model"));
        for (Path out : new Path[] {dir.resolve("model"), link}) {
            for (String kind : new String[] {"grpo", "sft"}) {
                CliRun r = CliRun.of("train", kind, "--config", config(dir, "m.yaml", "output_dir: " + out
                        + "\nmax_steps: 1\n").toString());
                assertEquals(2, r.code(), r.out() + r.err());
                assertEquals("visual-rft " + kind + ": " + out + ": output_dir is the model folder (model): the run's "
                        + "files would change the base model it starts from (and that --resume checks by hash); choose "
                        + "another output_dir", r.err().strip());
            }
        }
        try (var files = Files.list(dir.resolve("model"))) {
            assertEquals(before, files.sorted().toList());
        }
    }

    /** gradient_checkpointing on the built-in model: one line naming the model and the setting, exit 2, nothing written. */
    @Test
    void gradientCheckpointingOnTheBuiltInModelIsRefused(@TempDir Path dir) throws Exception {
        setUp(dir);
        CliRun r = CliRun.of("train", "grpo", "--config", config(dir, "gc.yaml", "output_dir: " + dir.resolve("gc")
                + "\nnum_generations: 2\nmax_completion_length: 4\nmax_steps: 1\ngradient_checkpointing: true\n")
                .toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("gradient_checkpointing: model_type") && r.err().strip().lines().count() == 1,
                r.err());
        assertTrue(!Files.exists(dir.resolve("gc")) || Files.list(dir.resolve("gc")).allMatch(f -> f.getFileName()
                .toString().equals(".visual-rft.lock")), "nothing written");
    }
}
