package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.image.ImageDecoder;
import org.visualrft.train.checkpoint.RunLock;

/**
 * What a hostile (or careless) user tries, through the CLI as they meet it: every case is one line on stderr naming
 * the file or setting, exit 2, and no input destroyed or output half-written.
 */
class HardeningCliTest {
    private static final String GT = "{\"images\": [{\"id\": 1, \"width\": 10, \"height\": 10}], \"annotations\": "
            + "[{\"id\": 1, \"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 5, 5], \"area\": 25, \"iscrowd\": 0}],"
            + " \"categories\": [{\"id\": 1, \"name\": \"a\"}]}";
    private static final String DT = "[{\"image_id\": 1, \"category_id\": 1, \"bbox\": [0, 0, 5, 5], \"score\": 0.9}]";
    private static final String REWARD_LINE = "{\"completion\": \"<answer>cat</answer>\", \"solution\": "
            + "\"<answer>cat</answer>\", \"task\": \"classification\"}";

    private static void assertOneLineExit2(CliRun r, String... contains) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("[Source"), r.err());
        for (String c : contains) {
            assertTrue(r.err().contains(c), "'" + c + "' not in: " + r.err());
        }
    }

    // ------------------------------------------------------------------ 1. image bombs

    /** A PNG whose header claims {@code w × h} pixels; its pixel data is a few bytes (never reached). */
    static byte[] pngHeader(int w, int h) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0).array());
        Deflater d = new Deflater();
        d.setInput(new byte[64]);
        d.finish();
        byte[] z = new byte[256];
        int n = d.deflate(z);
        chunk(out, "IDAT", java.util.Arrays.copyOf(z, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws Exception {
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    @Test
    void imageBombsAreRefusedFromTheHeaderForFilesAndBase64(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        for (int[] size : new int[][] {{27000, 27000}, {12000, 12000}, {1, 100_000_000}}) {
            Path bomb = dir.resolve("bomb.png");
            Files.write(bomb, pngHeader(size[0], size[1]));
            CliRun r = CliRun.of("generate", "--model", dir.resolve("model").toString(), "--image", bomb.toString(),
                    "--prompt", "x");
            // the header alone decides: the file's pixel data is 64 zero bytes, so a decoder that read on would
            // report truncated data (or run out of memory), never the size limit
            assertOneLineExit2(r, bomb.toString(), size[0] + " x " + size[1], "pixels, over the limit",
                    ImageDecoder.ENV);
        }
        // the same bytes as base64 inside a training dataset: the record is named
        String b64 = Base64.getEncoder().encodeToString(pngHeader(30000, 30000));
        Files.writeString(dir.resolve("bombs.jsonl"), "{\"id\": \"r7\", \"image\": \"data:image/png;base64," + b64
                + "\", \"problem\": \"p\", \"solution\": \"<answer>Shirt</answer>\"}\n");
        Path cfg = dir.resolve("bomb.yaml");
        Files.writeString(cfg, "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("bombs.jsonl")
                + "\noutput_dir: " + dir.resolve("run") + "\nmax_steps: 1\n");
        CliRun t = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertOneLineExit2(t, "bombs.jsonl", "r7", "pixels, over the limit");
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    @Test
    void pixelLimitIsASettingAndAFileImageErrorNamesTheRecord(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir); // 20 x 20 images
        Path cfg = TrainCommandTest.config(dir, "g.yaml", "output_dir: " + dir.resolve("run")
                + "\nmax_steps: 1\nnum_generations: 2\nmax_completion_length: 4\n");
        System.setProperty(ImageDecoder.PROPERTY, "399");
        try {
            CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString());
            assertOneLineExit2(r, "train.jsonl record 1", "img0.png", "20 x 20 = 400 pixels, over the limit of 399");
            System.setProperty(ImageDecoder.PROPERTY, "lots");
            assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), ImageDecoder.PROPERTY,
                    "whole number");
            System.setProperty(ImageDecoder.PROPERTY, "400");
            CliRun ok = CliRun.of("train", "grpo", "--config", cfg.toString());
            assertEquals(0, ok.code(), ok.out() + ok.err());
        } finally {
            System.clearProperty(ImageDecoder.PROPERTY);
        }
    }

    // ------------------------------------------------------------------ 2. output == input

    @Test
    void outputsThatAreInputsAreRefusedAlsoThroughLinks(@TempDir Path dir) throws Exception {
        Path gt = dir.resolve("gt.json");
        Path dt = dir.resolve("dt.json");
        Files.writeString(gt, GT);
        Files.writeString(dt, DT);
        Path link = dir.resolve("link.json");
        Files.createSymbolicLink(link, gt);
        Path hard = dir.resolve("hard.json");
        Files.createLink(hard, dt);
        for (String cmd : List.of("coco-eval", "lvis-eval")) {
            for (Path out : List.of(gt, dt, link, hard, dir.resolve(".").resolve("gt.json"))) {
                CliRun r = CliRun.of(cmd, "--gt", gt.toString(), "--dt", dt.toString(), "--json", out.toString());
                assertOneLineExit2(r, "--json is the same file as");
            }
        }
        assertEquals(GT, Files.readString(gt));
        assertEquals(DT, Files.readString(dt));
        CliRun ok = CliRun.of("coco-eval", "--gt", gt.toString(), "--dt", dt.toString(), "--json",
                dir.resolve("new/sub/out.json").toString());
        assertEquals(0, ok.code(), ok.err());

        Path pool = dir.resolve("pool.jsonl");
        String poolText = "{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>a</answer>\"}\n";
        Files.writeString(pool, poolText);
        Path poolLink = dir.resolve("pool-link.jsonl");
        Files.createSymbolicLink(poolLink, pool);
        for (Path out : List.of(pool, poolLink)) {
            assertOneLineExit2(CliRun.of("split", "--input", pool.toString(), "--shots", "1", "--seed", "1",
                    "--output", out.toString()), "--output is the same file as --input");
        }
        assertEquals(poolText, Files.readString(pool));

        Path rin = dir.resolve("r.jsonl");
        Files.writeString(rin, REWARD_LINE + "\n");
        Path rhard = dir.resolve("r-hard.jsonl");
        Files.createLink(rhard, rin);
        for (Path out : List.of(rin, rhard)) {
            assertOneLineExit2(CliRun.of("reward", "--input", rin.toString(), "--output", out.toString()),
                    "--output is the same file as --input");
        }
        assertEquals(REWARD_LINE + "\n", Files.readString(rin));

        // the same file as standard input: visual-rft reward --output r.jsonl < r.jsonl (a real process: fd 0)
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.visualrft.app.Main", "reward", "--task", "classification",
                "--output", rin.toString()).redirectInput(rin.toFile()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), said);
        assertTrue(said.contains("--output is the same file as standard input"), said);
        assertEquals(REWARD_LINE + "\n", Files.readString(rin));
    }

    // ------------------------------------------------------------------ 3. unbounded settings, model configs

    @Test
    void settingsOutOfRangeNameTheSetting(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        String[][] cases = {
            {"num_generations: 2147483647", "'num_generations' must be between 2 and 1024"},
            {"num_generations: 100000", "'num_generations'"},
            {"threads: 100000", "'threads' must be between 1 and"},
            {"threads: 0", "'threads'"},
            {"num_iterations: 100000000", "'num_iterations' must be between 1 and 1024"},
            {"max_completion_length: 2147483647", "'max_completion_length' must be between 1 and"},
            {"per_device_train_batch_size: 2147483647\ngradient_accumulation_steps: 2", "prompts per step"},
            {"seed: [1, 2\nbeta: 3", "not valid YAML at line "},
        };
        for (String[] c : cases) {
            Path cfg = TrainCommandTest.config(dir, "s.yaml", "output_dir: " + dir.resolve("run") + "\n" + c[0] + "\n");
            assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), c[1]);
        }
        Path png = dir.resolve("img0.png");
        for (String[] c : new String[][] {{"--samples", "2147483647"}, {"--samples", "0"}, {"--threads", "100000"}}) {
            CliRun r = CliRun.of("generate", "--model", dir.resolve("model").toString(), "--image", png.toString(),
                    "--prompt", "x", c[0], c[1]);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(c[0]), r.err());
        }
        assertFalse(Files.exists(dir.resolve("run")));

        // a run's own outputs (metrics.jsonl, provenance.json) must not be its dataset or its config
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Path data = out.resolve("metrics.jsonl");
        Files.copy(dir.resolve("train.jsonl"), data);
        Path cfg = dir.resolve("self.yaml");
        Files.writeString(cfg, "model: " + dir.resolve("model") + "\ndataset: " + data + "\noutput_dir: " + out
                + "\nmax_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), "output_dir's metrics.jsonl is the"
                + " same file as dataset");
        Path inside = out.resolve("provenance.json");
        Files.writeString(inside, "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("train.jsonl")
                + "\noutput_dir: " + out + "\nmax_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", inside.toString()), "the config file");
    }

    @Test
    void modelConfigsOutOfRangeOrInconsistentAreRefusedAtLoad(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path model = dir.resolve("model");
        Path configFile = model.resolve("config.json");
        String original = Files.readString(configFile);
        String[][] cases = {
            {"\"max_position_embeddings\" : 96", "\"max_position_embeddings\" : 2147483647", "max_position_embeddings"},
            {"\"image_size\" : 16", "\"image_size\" : 1000000", "image_size"},
            {"\"rms_norm_eps\" : 1.0E-6", "\"rms_norm_eps\" : -1", "rms_norm_eps"},
            {"\"rms_norm_eps\" : 1.0E-6", "\"rms_norm_eps\" : 0", "rms_norm_eps"},
            {"\"rope_theta\" : 10000.0", "\"rope_theta\" : -5", "rope_theta"},
        };
        Path png = dir.resolve("img0.png");
        for (String[] c : cases) {
            assertTrue(original.contains(c[0]), original);
            Files.writeString(configFile, original.replace(c[0], c[1]));
            CliRun r = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x");
            assertOneLineExit2(r, configFile.toString(), c[2]);
        }
        Files.writeString(configFile, original);

        // a tokenizer from another model (another corpus: other pieces, other size)
        Path tok = model.resolve("tokenizer.json");
        byte[] own = Files.readAllBytes(tok);
        new org.visualrft.model.tokenizer.TaskTokenizerBuilder().addCorpus(List.of("entirely different words here"))
                .write(tok);
        assertOneLineExit2(CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt",
                "x"), tok.toString(), "not the model's");
        Files.write(tok, own);
        assertEquals(0, CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt",
                "x", "--max-new-tokens", "4").code());
    }

    // ------------------------------------------------------------------ 4. checked before the first step

    @Test
    void visualRftPresetRunsOnASmallContextAndTooLongPromptsFailUpFront(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir); // context 96 positions; the preset asks for 256 new tokens
        Path cfg = TrainCommandTest.config(dir, "p.yaml", "preset: visual-rft\noutput_dir: " + dir.resolve("run")
                + "\nmax_steps: 1\nnum_generations: 2\ngradient_accumulation_steps: 2\n");
        CliRun r = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("completions end after at most"), r.out());
        assertTrue(r.out().contains("grpo: 1 of 1 steps done"), r.out());

        StringBuilder longProblem = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            longProblem.append("item ");
        }
        Files.writeString(dir.resolve("long.jsonl"), "{\"id\": \"long1\", \"image\": \"img0.png\", \"problem\": \""
                + longProblem + "\", \"solution\": \"<answer>Shirt</answer>\"}\n");
        Path bad = dir.resolve("long.yaml");
        Files.writeString(bad, "preset: visual-rft\nmodel: " + dir.resolve("model") + "\ndataset: "
                + dir.resolve("long.jsonl") + "\noutput_dir: " + dir.resolve("run2") + "\nmax_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", bad.toString()), "long.jsonl record long1",
                "max_position_embeddings");
        assertFalse(Files.exists(dir.resolve("run2")), "nothing written before the check");
    }

    @Test
    void sftDataFaultsNameTheRecordBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path run = dir.resolve("sft");
        Path tooShort = TrainCommandTest.config(dir, "s1.yaml", "output_dir: " + run + "\nmax_steps: 1\nmax_length: 2\n");
        assertOneLineExit2(CliRun.of("train", "sft", "--config", tooShort.toString()), "train.jsonl record 1",
                "max_length is 2");
        Files.writeString(dir.resolve("nothink.jsonl"), "{\"id\": \"n1\", \"image\": \"img0.png\", \"solution\": "
                + "\"<answer>Shirt</answer>\"}\n");
        Path noThinking = dir.resolve("s2.yaml");
        Files.writeString(noThinking, "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("nothink.jsonl")
                + "\noutput_dir: " + run + "\nmax_steps: 1\nsft_target: with_thinking\n");
        assertOneLineExit2(CliRun.of("train", "sft", "--config", noThinking.toString()), "nothink.jsonl record n1",
                "thinking");
        assertFalse(Files.exists(run), "nothing written");

        // skip_bad_rows: true leaves such records out, counts them and trains on the rest (as GRPO's long prompts)
        Files.writeString(dir.resolve("mixed.jsonl"), Files.readString(dir.resolve("train.jsonl"))
                + Files.readString(dir.resolve("nothink.jsonl")));
        Path skip = dir.resolve("s3.yaml");
        Files.writeString(skip, "model: " + dir.resolve("model") + "\ndataset: " + dir.resolve("mixed.jsonl")
                + "\noutput_dir: " + run + "\nmax_steps: 1\nsft_target: with_thinking\nskip_bad_rows: true\n");
        CliRun ok = CliRun.of("train", "sft", "--config", skip.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("skipped 1 of 5 records"), ok.out());
        assertTrue(Files.readString(run.resolve("metrics.jsonl")).contains("\"skipped_bad_rows\":1"),
                Files.readString(run.resolve("metrics.jsonl")));
    }

    // ------------------------------------------------------------------ 6. --resume validation

    @Test
    void resumeValidatesStateAndRefusesChangedSettings(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path run = dir.resolve("run");
        String common = "output_dir: " + run + "\nnum_generations: 2\nmax_completion_length: 4\nsave_steps: 1\n"
                + "reward_mode: strict\nlearning_rate: 1.0e-3\n";
        Path cfg = TrainCommandTest.config(dir, "r.yaml", common + "max_steps: 2\n");
        assertEquals(0, CliRun.of("train", "grpo", "--config", cfg.toString()).code());
        Path state = run.resolve("checkpoint-2/trainer_state.json");
        String good = Files.readString(state);

        Files.writeString(state, good.replaceFirst("\"position\" : \\d+", "\"position\" : 999999"));
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", cfg.toString()), state.toString(),
                "position 999999");
        Files.writeString(state, good.replaceFirst("\"step\" : 2", "\"step\" : 7"));
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", cfg.toString()), "says step 7",
                "checkpoint-2");
        Files.writeString(state, good.replaceFirst("\"epoch\" : \\d+,", ""));
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", cfg.toString()), "\"epoch\"");
        Files.writeString(state, "{ not json");
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", cfg.toString()), state.toString());
        Files.writeString(state, good);
        Path optimizer = run.resolve("checkpoint-2/optimizer.safetensors");
        Path aside = dir.resolve("optimizer.aside");
        Files.move(optimizer, aside);
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", cfg.toString()), optimizer.toString(),
                "incomplete");
        Files.move(aside, optimizer);

        Path changed = TrainCommandTest.config(dir, "c.yaml", common.replace("learning_rate: 1.0e-3",
                "learning_rate: 2.0e-3").replace("num_generations: 2", "num_generations: 3") + "max_steps: 3\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", changed.toString()),
                "learning_rate 0.001 -> 0.002", "num_generations 2 -> 3", "--allow-changed-settings");
        Path fewer = TrainCommandTest.config(dir, "f.yaml", common + "max_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--resume", "--config", fewer.toString()),
                "already at step 2", "max_steps");
        assertFalse(Files.exists(run.resolve("checkpoint-3")));

        // a folder whose number does not fit an int is not a checkpoint (it once made the listing throw)
        Path odd = Files.createDirectories(run.resolve("checkpoint-99999999999"));
        Files.writeString(odd.resolve("trainer_state.json"), good);
        CliRun allowed = CliRun.of("train", "grpo", "--resume", "--allow-changed-settings", "--config",
                changed.toString());
        assertEquals(0, allowed.code(), allowed.out() + allowed.err());
        assertTrue(allowed.out().contains("resuming with changed settings") && allowed.out().contains("learning_rate"),
                allowed.out());
        assertTrue(allowed.out().contains("grpo: 3 of 3 steps done"), allowed.out());
        assertEquals(2, CliRun.of("train", "grpo", "--allow-changed-settings", "--config", cfg.toString()).code());
    }

    // ------------------------------------------------------------------ 7. invalid UTF-8, byte-order marks

    @Test
    void invalidUtf8NamesFileAndLineEverywhere(@TempDir Path dir) throws Exception {
        byte[] bad = (REWARD_LINE + "\n" + REWARD_LINE.replace("cat</answer>\", \"task", "c\u00e4t</answer>\", \"task")
                + "\n").getBytes(StandardCharsets.UTF_8);
        int umlaut = indexOf(bad, (byte) 0xC3);
        bad[umlaut + 1] = (byte) 0x28; // a lead byte without its continuation
        Path in = dir.resolve("bad.jsonl");
        Files.write(in, bad);
        assertOneLineExit2(CliRun.of("reward", "--input", in.toString()), in.toString(), "line 2", "UTF-8");
        Path out = dir.resolve("out.jsonl");
        CliRun withOut = CliRun.of("reward", "--input", in.toString(), "--output", out.toString());
        assertOneLineExit2(withOut, in.toString(), "line 2");
        assertFalse(withOut.err().contains("out.jsonl"), withOut.err());
        assertFalse(Files.exists(out), "nothing half-written");
        // an overlong form ('/' as C0 AF) in a field no reward reads: the line would be copied through undecoded
        byte[] overlong = (REWARD_LINE.replace("{", "{\"note\": \"a/b\", ") + "\n").getBytes(StandardCharsets.UTF_8);
        int slash = indexOf(overlong, (byte) '/');
        Path over = dir.resolve("overlong.jsonl");
        Files.write(over, concat((REWARD_LINE + "\n").getBytes(StandardCharsets.UTF_8), concat(
                java.util.Arrays.copyOf(overlong, slash), concat(new byte[] {(byte) 0xC0, (byte) 0xAF},
                java.util.Arrays.copyOfRange(overlong, slash + 1, overlong.length)))));
        assertOneLineExit2(CliRun.of("reward", "--input", over.toString(), "--output", out.toString()),
                over.toString(), "line 2: not valid UTF-8");
        assertFalse(Files.exists(out), "nothing written");

        // an endless "line" (a device, a binary file) is refused at a bounded length, not read into the heap forever
        assertOneLineExit2(CliRun.of("reward", "--input", "/dev/zero"), "/dev/zero", "line 1: longer than 256 MB");

        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(bad));
            assertOneLineExit2(CliRun.of("reward"), "<stdin>", "line 2", "UTF-8");
        } finally {
            System.setIn(stdin);
        }

        byte[] pool = ("{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>a</answer>\"}\n"
                + "{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>\u00e4</answer>\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        pool[indexOf(pool, (byte) 0xC3)] = (byte) 0xFF;
        Path poolFile = dir.resolve("pool.jsonl");
        Files.write(poolFile, pool);
        assertOneLineExit2(CliRun.of("split", "--input", poolFile.toString(), "--shots", "1", "--seed", "1",
                "--output", dir.resolve("s.jsonl").toString()), poolFile.toString(), "line 2", "UTF-8");

        Path yaml = dir.resolve("bad.yaml");
        Files.write(yaml, new byte[] {'s', 'e', 'e', 'd', ':', ' ', '1', '\n', '#', ' ', (byte) 0xE2, (byte) 0x28,
            '\n'});
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", yaml.toString()), yaml.toString(), "line 2",
                "UTF-8");
    }

    @Test
    void byteOrderMarksAreAcceptedByEveryReader(@TempDir Path dir) throws Exception {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        Path in = dir.resolve("bom.jsonl");
        Files.write(in, concat(bom, (REWARD_LINE + "\n").getBytes(StandardCharsets.UTF_8)));
        CliRun r = CliRun.of("reward", "--input", in.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"reward\""), r.out());

        Path pool = dir.resolve("pool.jsonl");
        Files.write(pool, concat(bom, "{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>a</answer>\"}\n"
                .getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, CliRun.of("split", "--input", pool.toString(), "--shots", "1", "--seed", "1", "--output",
                dir.resolve("s.jsonl").toString()).code());

        Path gt = dir.resolve("gt.json");
        Path dt = dir.resolve("dt.json");
        Files.write(gt, concat(bom, GT.getBytes(StandardCharsets.UTF_8)));
        Files.write(dt, concat(bom, DT.getBytes(StandardCharsets.UTF_8)));
        CliRun c = CliRun.of("coco-eval", "--gt", gt.toString(), "--dt", dt.toString());
        assertEquals(0, c.code(), c.err());

        Path yaml = dir.resolve("bom.yaml");
        Files.write(yaml, concat(bom, "num_generation: 3\n".getBytes(StandardCharsets.UTF_8)));
        // read past the mark: the fault is the misspelt key, not the encoding
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", yaml.toString()), "unknown setting 'num_generation'");
    }

    // ------------------------------------------------------------------ 9. one-line messages, no echo

    @Test
    void messagesAreOneLineAndEchoNoForeignContent(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path model = dir.resolve("model");
        Path png = dir.resolve("img0.png");
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "hunter2password and more\nsecond line\n");
        Path tok = model.resolve("tokenizer.json");
        Files.delete(tok);
        Files.createSymbolicLink(tok, secret);
        CliRun r = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x");
        assertOneLineExit2(r, tok.toString(), "not valid JSON");
        assertFalse(r.err().contains("hunter2"), r.err());

        Path configFile = model.resolve("config.json");
        Files.writeString(configFile, "{\"model_type\": \"vrft-tiny\", \"image_size\": 16,, }");
        CliRun c = CliRun.of("generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x");
        assertOneLineExit2(c, configFile.toString(), "line 1, column");

        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        assertOneLineExit2(CliRun.of("demo", "--quick", "--out", file.toString()), file.toString(),
                "must be a folder");
        assertOneLineExit2(CliRun.of("demo", "--quick", "--out", file.resolve("sub").toString()),
                "is a file, not a folder");
        assertOneLineExit2(CliRun.of("pretrain", "--out", file.toString()), "must be a folder");
        Path qwen = Files.createDirectories(dir.resolve("qwen"));
        Files.writeString(qwen.resolve("config.json"), "{\"model_type\": \"qwen2_vl\"}");
        Files.writeString(qwen.resolve("model.safetensors"), "weights");
        assertOneLineExit2(CliRun.of("pretrain", "--out", qwen.toString(), "--steps", "1"), "holds another model",
                "qwen2_vl");
        assertEquals("weights", Files.readString(qwen.resolve("model.safetensors")), "nothing overwritten");
        Path cfg = TrainCommandTest.config(dir, "o.yaml", "output_dir: " + file + "\nmax_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), "output_dir must be a folder");
    }

    // ------------------------------------------------------------------ 10. permissions, lock

    @Test
    void atomicallyWrittenFilesHonourTheUmaskAndOutputDirIsLocked(@TempDir Path dir) throws Exception {
        Path plain = dir.resolve("plain");
        Files.createFile(plain); // what the umask gives any new file
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
        Path pool = dir.resolve("pool.jsonl");
        Files.writeString(pool, "{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>a</answer>\"}\n");
        Path out = dir.resolve("s.jsonl");
        assertEquals(0, CliRun.of("split", "--input", pool.toString(), "--shots", "1", "--seed", "1", "--output",
                out.toString()).code());
        assertEquals(expected, Files.getPosixFilePermissions(out));
        assertEquals(expected, Files.getPosixFilePermissions(dir.resolve("s.manifest.json")));

        TrainCommandTest.setUp(dir);
        Path run = dir.resolve("run");
        Path cfg = TrainCommandTest.config(dir, "l.yaml", "output_dir: " + run + "\nmax_steps: 1\nnum_generations: 2"
                + "\nmax_completion_length: 4\n");
        try (RunLock held = RunLock.acquire(run)) {
            assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), run.toString(),
                    "in use by another training run");
        }
        CliRun ok = CliRun.of("train", "grpo", "--config", cfg.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertEquals(expected, Files.getPosixFilePermissions(run.resolve("provenance.json")));
        assertEquals(expected, Files.getPosixFilePermissions(run.resolve("checkpoint-1/trainer_state.json")));
    }

    // ------------------------------------------------------------------ 11. missing output folders

    @Test
    void missingOutputFoldersAreCreatedByEveryCommand(@TempDir Path dir) throws Exception {
        Path in = dir.resolve("r.jsonl");
        Files.writeString(in, REWARD_LINE + "\n");
        Path out = dir.resolve("a/b/scored.jsonl");
        assertEquals(0, CliRun.of("reward", "--input", in.toString(), "--output", out.toString()).code());
        assertTrue(Files.readString(out).contains("\"reward\""));
        Path pool = dir.resolve("pool.jsonl");
        Files.writeString(pool, "{\"image\": \"data:image/png;base64,AAAA\", \"solution\": \"<answer>a</answer>\"}\n");
        assertEquals(0, CliRun.of("split", "--input", pool.toString(), "--shots", "1", "--seed", "1", "--output",
                dir.resolve("c/d/s.jsonl").toString()).code());
        assertTrue(Files.isRegularFile(dir.resolve("c/d/s.manifest.json")));
        assertOneLineExit2(CliRun.of("reward", "--input", in.toString(), "--output", dir.toString()),
                "must name a file");
    }

    /**
     * An output the file system refuses (a read-only folder, /proc, a name too long) was exit 1, "failed:", naming
     * the hidden temporary file; it is the user's path: one line naming it, exit 2, nothing left behind.
     */
    @Test
    void outputsThatCannotBeCreatedAreOneLineExit2NamingThem(@TempDir Path dir) throws Exception {
        Path gt = Files.writeString(dir.resolve("gt.json"), GT);
        Path dt = Files.writeString(dir.resolve("dt.json"), DT);
        Path in = Files.writeString(dir.resolve("r.jsonl"), REWARD_LINE + "\n");
        Path tooLong = dir.resolve("x".repeat(300) + ".json");
        assertOneLineExit2(CliRun.of("coco-eval", "--gt", gt.toString(), "--dt", dt.toString(), "--json",
                tooLong.toString()), tooLong + ": cannot be written");
        assertOneLineExit2(CliRun.of("reward", "--input", in.toString(), "--output", tooLong.toString()),
                tooLong + ": cannot be written");
        try (var files = Files.list(dir)) {
            assertEquals(3, files.count(), "nothing written beside the inputs");
        }
        // a legal name close to the limit is written (the temporary name once pushed it over)
        Path nearLimit = dir.resolve("y".repeat(240) + ".json");
        assertEquals(0, CliRun.of("coco-eval", "--gt", gt.toString(), "--dt", dt.toString(), "--json",
                nearLimit.toString()).code());
        assertTrue(Files.readString(nearLimit).contains("\"stats\""));
    }

    // ------------------------------------------------------------------ 12. outputs that cannot be written

    /** An output_dir no file system can create (a 300-byte name): one line naming it, exit 2 (was exit 1, "failed"). */
    @Test
    void anOutputDirThatCannotBeCreatedIsOneLineExit2(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path run = dir.resolve("runs").resolve("x".repeat(300));
        Path cfg = TrainCommandTest.config(dir, "long.yaml", "output_dir: " + run + "\nmax_steps: 1\n"
                + "num_generations: 2\nmax_completion_length: 4\n");
        assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), run.toString(),
                "output_dir cannot be written");
        Path sft = TrainCommandTest.config(dir, "long-sft.yaml", "output_dir: " + run + "\nmax_steps: 1\n");
        assertOneLineExit2(CliRun.of("train", "sft", "--config", sft.toString()), "output_dir cannot be written");
    }

    /**
     * A folder that cannot be written (here: no write permission; a read-only file system alike) is refused before
     * anything is trained or answered, naming the option. Root ignores permissions, so there the test is skipped.
     */
    @Test
    void unwritableOutputFoldersAreRefusedBeforeAnyWork(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path ro = Files.createDirectories(dir.resolve("ro"));
        Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "permissions do not bind this user");
            Path cfg = TrainCommandTest.config(dir, "ro.yaml", "output_dir: " + ro.resolve("run") + "\nmax_steps: 1"
                    + "\nnum_generations: 2\nmax_completion_length: 4\n");
            assertOneLineExit2(CliRun.of("train", "grpo", "--config", cfg.toString()), "output_dir", ro + " is not "
                    + "writable");
            Path cfgIn = TrainCommandTest.config(dir, "ro2.yaml", "output_dir: " + ro + "\nmax_steps: 1\n");
            assertOneLineExit2(CliRun.of("train", "sft", "--config", cfgIn.toString()), "output_dir",
                    "is not writable");
            CliRun ev = CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                    dir.resolve("train.jsonl").toString(), "--max-new-tokens", "4", "--answers",
                    ro.resolve("a/answers.jsonl").toString());
            assertOneLineExit2(ev, "--answers", ro + " is not writable");
            assertFalse(ev.out().contains("examples"), "the model answered before the output was checked: " + ev.out());
            assertEquals(0, Files.list(ro).count());
        } finally {
            Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    // ------------------------------------------------------------------ 9. the newest features (session 11)

    /** A qwen2vl-tiny folder (the fixture's weights, a word-level tokenizer) under {@code dir/name}. */
    private static Path qwenFolder(Path dir, String name) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        return org.visualrft.model.qwen2vl.TinyQwenFolder.create(Files.createDirectories(dir.resolve(name)), fixture);
    }

    @Test
    void gradientCheckpointingOnAFamilyWithoutItWritesNothing(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        for (String kind : new String[] {"grpo", "sft"}) {
            Path out = dir.resolve("run-" + kind);
            Path cfg = TrainCommandTest.config(dir, kind + ".yaml", "output_dir: " + out + "\nmax_steps: 1\n"
                    + "gradient_checkpointing: true\nfreeze_vision_modules: false\n");
            assertOneLineExit2(CliRun.of("train", kind, "--config", cfg.toString()), "gradient_checkpointing",
                    "vrft-tiny");
            assertFalse(Files.exists(out), kind + ": output_dir made (and locked) before the refusal");
        }
    }

    /** evaluate --answers naming the model's config.json replaced it with answers (exit 0), breaking the model. */
    @Test
    void evaluateOutputsNeverReplaceTheModelsFiles(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path config = dir.resolve("model").resolve("config.json");
        byte[] before = Files.readAllBytes(config);
        for (String option : new String[] {"--answers", "--json"}) {
            assertOneLineExit2(CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                    dir.resolve("train.jsonl").toString(), "--max-new-tokens", "2", option, config.toString()), option,
                    "a file of the --model folder");
            assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(config)), option);
        }
        Path fresh = dir.resolve("model").resolve("answers.jsonl"); // a new file there changes nothing the model reads
        assertEquals(0, CliRun.of("evaluate", "--model", dir.resolve("model").toString(), "--dataset",
                dir.resolve("train.jsonl").toString(), "--max-new-tokens", "2", "--answers", fresh.toString()).code());
    }

    /**
     * A model folder's own files, hostile: a chat template that cannot be followed falls back to the built-in turn
     * (5,000 nested brackets were a StackOverflowError), one that cannot be read is one line naming it; stop tokens
     * and sizes that do not fit are one line naming generation_config.json or config.json.
     */
    @Test
    void hostileModelFolderFilesAreOneLineOrTheBuiltInTurn(@TempDir Path dir) throws Exception {
        Path model = qwenFolder(dir, "model");
        Path png = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny/image_a.png");
        String[] generate = {"generate", "--model", model.toString(), "--image", png.toString(), "--prompt", "x",
            "--max-new-tokens", "2"};
        Path jinja = model.resolve("chat_template.jinja");
        for (String t : new String[] {"{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}",
            "{{ 2 ** 999999999999999 }}", "{{ [] * 999999999999999 }}"}) {
            Files.writeString(jinja, t);
            CliRun r = CliRun.of(generate);
            assertEquals(0, r.code(), r.out() + r.err());
        }
        Files.write(jinja, new byte[] {'{', '{', (byte) 0xc3, '(', '}', '}'});
        assertOneLineExit2(CliRun.of(generate), jinja.toString(), "not valid UTF-8");
        Files.delete(jinja);

        Path gen = model.resolve("generation_config.json");
        String original = Files.readString(gen);
        for (String eos : new String[] {"[1e30]", "-5", "[303, -1]", "4294967599"}) { // 2^32 + 303 was read as 303
            Files.writeString(gen, "{\"eos_token_id\": " + eos + "}");
            assertOneLineExit2(CliRun.of(generate), gen.toString(), "eos_token_id");
        }
        Files.writeString(gen, original);

        Path config = model.resolve("config.json");
        String cfg = Files.readString(config);
        assertTrue(cfg.contains("\"vocab_size\": 320"), cfg);
        Files.writeString(config, cfg.replace("\"vocab_size\": 320", "\"vocab_size\": " + ((1L << 32) + 320)));
        assertOneLineExit2(CliRun.of(generate), config.toString(), "vocab_size"); // was read as 320: int wrap-around
        Files.writeString(config, cfg);
    }

    /**
     * A PEFT folder's adapter_config.json, hostile: a rank the weights do not have (10^9 tried to allocate 256 GB,
     * exit 1), an infinite alpha (merged into infinite weights, exit 0), a string where a boolean belongs, and a
     * target expression that backtracks for hours: each one line, exit 2, nothing written.
     */
    @Test
    void hostileAdapterConfigsAreOneLineAndWriteNothing(@TempDir Path dir) throws Exception {
        Path model = qwenFolder(dir, "model");
        Path adapter = dir.resolve("adapter");
        org.visualrft.model.lora.LoraConfig lora = new org.visualrft.model.lora.LoraConfig(4, 16,
                Set.of("q_proj", "v_proj"), false);
        try (org.visualrft.model.policy.Policy p = org.visualrft.model.policy.ModelLoader.load(model,
                new org.visualrft.model.policy.LoadOptions(org.visualrft.model.tensor.Device.CPU, null, lora, 1))) {
            java.util.Map<String, org.visualrft.model.tensor.Tensor> named = new java.util.LinkedHashMap<>();
            p.trainableParameters().forEach(q -> named.put(q.name(), q.value().detach()));
            org.visualrft.model.lora.PeftAdapter.write(adapter, named, lora, model);
        }
        Path configFile = adapter.resolve("adapter_config.json");
        String original = Files.readString(configFile);
        String[][] cases = {
            {"\"r\" : 4", "\"r\" : 1000000000", "rank 4"},
            {"\"r\" : 4", "\"r\" : 2.5", "\"r\" must be a positive integer"},
            {"\"lora_alpha\" : 16.0", "\"lora_alpha\" : 1e999", "lora_alpha"},
            {"\"use_rslora\" : false", "\"use_rslora\" : \"yes\"", "use_rslora"},
            {"\"target_modules\" : [ \"q_proj\", \"v_proj\" ]", "\"target_modules\" : \"((.*)*)*zzz\"",
                "catastrophic backtracking"},
        };
        Path ds = dir.resolve("ds.jsonl");
        Files.writeString(ds, "{\"image\": \"" + model.getParent().resolve("img.png") + "\", \"problem\": \"x\", "
                + "\"solution\": \"<answer>a</answer>\"}\n");
        Files.copy(Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny/image_a.png"),
                model.getParent().resolve("img.png"));
        for (String[] c : cases) {
            assertTrue(original.contains(c[0]), original);
            Files.writeString(configFile, original.replace(c[0], c[1]));
            Path out = dir.resolve("merged");
            assertOneLineExit2(CliRun.of("merge", "--model", model.toString(), "--adapter", adapter.toString(),
                    "--out", out.toString()), configFile.toString(), c[2]);
            assertFalse(Files.exists(out), c[1]);
            Path answers = dir.resolve("answers.jsonl");
            assertOneLineExit2(CliRun.of("evaluate", "--model", model.toString(), "--adapter", adapter.toString(),
                    "--dataset", ds.toString(), "--max-new-tokens", "2", "--answers", answers.toString()),
                    configFile.toString(), c[2]);
            assertFalse(Files.exists(answers), c[1]);
        }
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        throw new AssertionError("byte not found");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
