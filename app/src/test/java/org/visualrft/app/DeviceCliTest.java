package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * {@code generate --device cuda} and {@code train grpo --device cuda} for every built-in family: on a machine with a
 * GPU they run (no family refuses the device); without one (or on the CPU build) they stop with the one-line device
 * error and exit code 2, before anything is written.
 */
class DeviceCliTest {
    @ParameterizedTest
    @ValueSource(strings = {"vrft-tiny", "qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void cudaRunsWhereThereIsAGpuAndIsOneLineWhereThereIsNone(String name, @TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        if (name.equals("vrft-tiny")) {
            Path tokFile = dir.resolve("tokenizer.json");
            new TaskTokenizerBuilder().addCorpus(List.of("What is in the image ?", "cat dog")).write(tokFile);
            try (Tokenizer tok = Tokenizer.load(tokFile);
                 TinyVlm m = TinyVlm.create(new TinyConfig(16, 8, 1, 16, 1, 2, 32, 16, 2, 4, 2, 24, tok.vocabSize(),
                         96, 10000.0, 1e-6, 2, 1, 3, 4), tok.copy(), 1)) {
                m.save(model);
            }
            for (Path p : List.of(a, b)) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
                img.setRGB(p == a ? 3 : 20, 5, 0xffffff);
                ImageIO.write(img, "png", p.toFile());
            }
        } else {
            Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve(name);
            TinyQwenFolder.create(model, fixture);
            Files.copy(fixture.resolve("image_a.png"), a);
            Files.copy(fixture.resolve("image_b.png"), b);
        }
        Files.writeString(dir.resolve("train.jsonl"), """
                {"image": "a.png", "problem": "What is in the image ?", "solution": "<answer>cat</answer>", "task": "classification"}
                {"image": "b.png", "problem": "What is in the image ?", "solution": "<answer>dog</answer>", "task": "classification"}
                """);
        Path cfg = dir.resolve("grpo.yaml");
        Files.writeString(cfg, "model: " + model + "\ndataset: " + dir.resolve("train.jsonl") + "\noutput_dir: "
                + dir.resolve("run") + "\nnum_generations: 2\nper_device_train_batch_size: 1\nmax_completion_length: 4\n"
                + "learning_rate: 1.0e-4\nmax_steps: 1\nsave_steps: 1\nreward_mode: strict\n");
        // -Dvrft.cuda.test.device=cpu dry-runs the GPU branch on the CPU
        String device = System.getProperty(CudaTestDevice.PROPERTY, "cuda");
        CliRun g = CliRun.of("generate", "--model", model.toString(), "--image", a.toString(), "--prompt",
                "What is in the image ?", "--samples", "2", "--max-new-tokens", "4", "--seed", "3", "--device", device);
        CliRun t = CliRun.of("train", "grpo", "--config", cfg.toString(), "--device", device);
        CliRun d = CliRun.of("doctor", "--model", model.toString(), "--config", cfg.toString(), "--device", device);
        if (CudaTestDevice.usable(Device.parse(device))) {
            assertEquals(0, g.code(), g.out() + g.err());
            assertTrue(g.out().contains("2 samples"), g.out());
            assertEquals(0, t.code(), t.out() + t.err());
            assertTrue(t.out().contains("grpo: 1 of 1 steps done"), t.out());
            assertEquals(0, d.code(), d.out() + d.err());
            assertTrue(d.out().contains("capacity    " + (device.startsWith("cuda") ? "cuda:" : "this machine")),
                    d.out()); // the plan against the GPU's memory
        } else {
            for (CliRun r : List.of(g, t, d)) {
                assertEquals(2, r.code(), r.out() + r.err());
                assertEquals(1, r.err().strip().lines().count(), r.err());
                assertTrue(r.err().contains("device cuda:0"), r.err());
                assertTrue(r.err().contains("CPU build") || r.err().contains("no CUDA GPU is visible"), r.err());
            }
            assertTrue(!Files.exists(dir.resolve("run/checkpoint-1")), "nothing written");
        }
    }
}
