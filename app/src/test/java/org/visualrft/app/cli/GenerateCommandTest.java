package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

class GenerateCommandTest {
    @TempDir
    static Path dir;
    static Path model;
    static Path png;
    static TinyConfig config;
    static Tokenizer tokenizer;

    @BeforeAll
    static void smallModelAndImage() throws Exception {
        Path tokFile = dir.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of("What is the category of this item ?")).write(tokFile);
        Tokenizer tok = Tokenizer.load(tokFile);
        TinyConfig c = new TinyConfig(16, 8, 1, 16, 1, 2, 32, 16, 2, 4, 2, 24, tok.vocabSize(), 96, 10000.0, 1e-6, 2,
                1, 3, 4);
        config = c;
        tokenizer = tok;
        model = dir.resolve("model");
        try (TinyVlm m = TinyVlm.create(c, tok, 1)) {
            m.save(model);
        }
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        img.setRGB(5, 5, 0xffffff);
        png = dir.resolve("item.png");
        ImageIO.write(img, "png", png.toFile());
    }

    @Test
    void samplesRepeatWithTheSameSeed() {
        String[] args = {"generate", "--model", model.toString(), "--image", png.toString(), "--prompt",
            "What is the category of this item ?", "--samples", "3", "--max-new-tokens", "8", "--seed", "5"};
        CliRun a = CliRun.of(args);
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("[3] "), a.out());
        assertTrue(a.out().contains("3 samples"), a.out());
        CliRun b = CliRun.of(args);
        String answersA = a.out().substring(0, a.out().indexOf("3 samples"));
        String answersB = b.out().substring(0, b.out().indexOf("3 samples"));
        assertEquals(answersA, answersB);
    }

    /**
     * Hugging Face's repetition_penalty and min_p as options: taken (the same seed repeats the answers), and a bad
     * value is one line naming the option, exit 2.
     */
    @Test
    void repetitionPenaltyAndMinPAreTakenAndChecked() {
        String[] args = {"generate", "--model", model.toString(), "--image", png.toString(), "--prompt",
            "What is the category of this item ?", "--samples", "2", "--max-new-tokens", "8", "--seed", "3",
            "--repetition-penalty", "1.3", "--min-p", "0.05"};
        CliRun a = CliRun.of(args);
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("[2] "), a.out());
        assertEquals(a.out().substring(0, a.out().indexOf("2 samples")),
                CliRun.of(args).out().substring(0, a.out().indexOf("2 samples")));
        String[][] bad = {{"--repetition-penalty", "0"}, {"--repetition-penalty", "-1"},
            {"--repetition-penalty", "Infinity"}, {"--min-p", "1.5"}, {"--min-p", "-0.1"}};
        for (String[] b : bad) {
            CliRun r = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
                    b[0], b[1]);
            assertEquals(2, r.code(), b[0] + " " + b[1] + ": " + r.err());
            assertTrue(r.err().lines().findFirst().orElse("").contains(b[0] + " must be"), r.err());
        }
    }

    /**
     * A model whose logits are NaN (finite weights so large that the forward pass overflows) stops generate with one
     * line naming the decode step, the row and the likely cause (exit 1), not a token picked from nothing.
     */
    @Test
    void nanLogitsAreOneClearLine() {
        Path broken = dir.resolve("broken");
        try (TinyVlm m = TinyVlm.create(config, tokenizer, 1); Tensor.GradMode g = Tensor.noGrad()) {
            m.parameters().get(0).value().fill_(3e38); // finite: the loader takes it
            m.save(broken);
        }
        for (String temperature : new String[] {"1.0", "0"}) {
            CliRun r = CliRun.of("generate", "--model", broken.toString(), "--image", png.toString(), "--prompt",
                    "What is the category of this item ?", "--samples", "2", "--max-new-tokens", "4",
                    "--temperature", temperature);
            assertEquals(1, r.code(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("decode step 0, row 0") && r.err().contains("NaN or infinity")
                    && r.err().contains("overflow"), r.err());
        }
    }

    /** A device this machine or build cannot use is one line and exit 2; an unknown name is a usage error. */
    @Test
    void unusableDeviceIsOneLineAndExitTwo() {
        org.junit.jupiter.api.Assumptions.assumeFalse(org.visualrft.model.tensor.Cuda.available(),
                "a GPU is visible: cuda would work here");
        CliRun gpu = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
                "--device", "cuda");
        assertEquals(2, gpu.code(), gpu.out() + gpu.err());
        assertEquals(1, gpu.err().strip().lines().count(), gpu.err());
        assertTrue(gpu.err().contains("device cuda:0") && gpu.err().contains("CPU build"), gpu.err());
        CliRun unknown = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
                "--device", "tpu");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("unknown device 'tpu'"), unknown.err());
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        CliRun r = CliRun.of("generate", "--model", dir.resolve("nothing").toString(), "--image", png.toString(),
                "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a model folder"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        Path notPng = dir.resolve("bad.png");
        Files.writeString(notPng, "no image here");
        r = CliRun.of("generate", "--model", model.toString(), "--image", notPng.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains(notPng.toString()), r.err());
        r = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
                "--temperature", "-1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("temperature"), r.err());
        r = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
                "--max-new-tokens", "500");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("max_position_embeddings"), r.err());
        // a training run's folders given as the model say where the model is
        Path run = dir.resolve("run");
        Path ckpt = Files.createDirectories(run.resolve("checkpoint-12"));
        Files.createDirectories(ckpt.resolve("model"));
        try (var files = Files.list(model)) {
            for (Path f : files.toList()) {
                Files.copy(f, ckpt.resolve("model").resolve(f.getFileName()));
            }
        }
        Files.createDirectories(run.resolve("checkpoint-3").resolve("model"));
        Files.copy(model.resolve("config.json"), run.resolve("checkpoint-3").resolve("model").resolve("config.json"));
        r = CliRun.of("generate", "--model", run.toString(), "--image", png.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().endsWith("its latest model is " + ckpt.resolve("model")), r.err());
        r = CliRun.of("generate", "--model", ckpt.toString(), "--image", png.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().strip().endsWith("it is a training checkpoint: its model is " + ckpt.resolve("model")),
                r.err());
        Files.writeString(ckpt.resolve("adapter_config.json"), "{}");
        Path adapters = Files.createDirectories(dir.resolve("adapters"));
        Files.writeString(adapters.resolve("adapter_config.json"), "{}");
        r = CliRun.of("generate", "--model", adapters.toString(), "--image", png.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("it holds LoRA adapters"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        // an empty --model is named as one (the line read ": not a model folder")
        r = CliRun.of("generate", "--model", "", "--image", png.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("(an empty path): "), r.err());
        // a folder given as the image is named as one (it was "no such image file")
        r = CliRun.of("generate", "--model", model.toString(), "--image", dir.toString(), "--prompt", "x");
        assertEquals(2, r.code());
        assertEquals("visual-rft generate: " + dir + ": is a folder, not an image file", r.err().strip());
    }
}
