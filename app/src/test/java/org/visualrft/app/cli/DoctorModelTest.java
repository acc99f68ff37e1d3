package org.visualrft.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.app.CliRun;
import org.visualrft.model.qwen2vl.TinyQwenFolder;

/**
 * {@code doctor --model DIR}: the folder opens, answers, and the memory plan follows the config's settings (the plan's
 * numbers against allocated memory: TrainingMemoryTest); faults are one line and exit 2.
 */
class DoctorModelTest {
    @TempDir
    static Path dir;

    static Path model() throws Exception {
        Path m = dir.resolve("model");
        if (!Files.isDirectory(m)) {
            Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
            TinyQwenFolder.create(Files.createDirectories(m), fixture);
        }
        return m;
    }

    @Test
    void aFolderOpensAnswersAndIsPlanned() throws Exception {
        CliRun r = CliRun.of("doctor", "--model", model().toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("qwen2_vl, "), r.out());
        assertTrue(r.out().matches("(?s).*answer      \\d+ tokens in .*"), r.out());
        assertTrue(r.out().contains("training    full fine-tuning: "), r.out());
        assertTrue(r.out().contains("(100.00%)"), "by default every weight trains, the tower too: " + r.out());
        assertTrue(r.out().contains("capacity    this machine's memory holds"), r.out());
        assertTrue(r.out().contains("prompt      chat template: built-in Qwen2-VL turn"), r.out());
        assertTrue(r.out().endsWith("doctor: all checks passed" + System.lineSeparator()), r.out());
        double full = total(r.out());

        Path cfg = dir.resolve("lora.yaml");
        Files.writeString(cfg, "model: elsewhere\ndataset: d.jsonl\noutput_dir: out\nuse_peft: true\nlora_r: 8\n"
                + "zero_stage: 1\n");
        CliRun lora = CliRun.of("doctor", "--model", model().toString(), "--config", cfg.toString(), "--nproc", "2");
        assertEquals(0, lora.code(), lora.out() + lora.err());
        assertTrue(lora.out().contains("training    LoRA r8 on down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj,"
                + " v_proj: "), lora.out());
        assertTrue(lora.out().contains("per rank (ZeRO-1 over 2): "), lora.out());
        assertTrue(lora.out().contains("reference 0,"), "LoRA's reference is the base: " + lora.out());
        assertTrue(total(lora.out()) < full, "adapters hold less than full fine-tuning");
    }

    /** A folder's own chat template is followed, and said so: in the report and in one notice line. */
    @Test
    void theFoldersChatTemplateIsReported() throws Exception {
        Path m = dir.resolve("templated");
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        TinyQwenFolder.create(Files.createDirectories(m), fixture);
        Files.writeString(m.resolve("chat_template.jinja"), "{% for m in messages %}<|im_start|>{{ m.role }}\n"
                + "{% for c in m.content %}{% if c.type == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
                + "{% else %}{{ c.text }}{% endif %}{% endfor %}<|im_end|>\n{% endfor %}<|im_start|>assistant\n");
        CliRun r = CliRun.of("doctor", "--model", m.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("prompt      chat template: " + m.resolve("chat_template.jinja")), r.out());
    }

    @Test
    void faultsAreOneLineAndExitTwo() throws Exception {
        CliRun notAModel = CliRun.of("doctor", "--model", dir.toString());
        assertEquals(2, notAModel.code(), notAModel.out() + notAModel.err());
        assertTrue(notAModel.err().contains("config.json"), notAModel.err());
        assertFalse(notAModel.out().contains("all checks passed"), notAModel.out());
        assertEquals(1, notAModel.err().strip().lines().count(), notAModel.err());

        CliRun alone = CliRun.of("doctor", "--nproc", "2");
        assertEquals(2, alone.code(), alone.err());
        assertTrue(alone.err().contains("go with --model DIR"), alone.err());

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "model: m\ndataset: d.jsonl\noutput_dir: out\nlora_r: 0\nuse_peft: true\n");
        CliRun badConfig = CliRun.of("doctor", "--model", model().toString(), "--config", bad.toString());
        assertEquals(2, badConfig.code(), badConfig.out() + badConfig.err());
        assertTrue(badConfig.err().contains("bad.yaml") && badConfig.err().contains("lora_r"), badConfig.err());
    }

    private static double total(String out) {
        Matcher m = Pattern.compile("= ([0-9.]+) (GiB|MiB|KiB) before activations").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1)) * switch (m.group(2)) {
            case "GiB" -> 1 << 30;
            case "MiB" -> 1 << 20;
            default -> 1 << 10;
        };
    }
}
