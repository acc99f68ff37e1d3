package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.core.prompt.VisualRftPrompts;
import org.visualrft.model.qwen2vl.TinyQwenFolder;

/**
 * {@code evaluate --protocol visual-rft} (the paper's evaluation scripts: {@code <image>} line before the question,
 * decoding from the folder's generation_config.json, 1024/128 tokens, visual-rft rewards), {@code --generation-config}
 * and {@code --seed}; {@code --protocol default} is the evaluation it always was; {@code generate
 * --generation-config}.
 */
class EvaluateProtocolTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void visualRftProtocolAsksWithTheImageLineBeforeTheQuestion(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path prefixed = prefixedCopy(dir);
        // the model sees another prompt: the <image> line is tokens, not nothing
        try (Policy p = ModelLoader.load(dir.resolve("model"))) {
            Image img = Image.read(dir.resolve("img0.png"));
            String q = "What is the category of this item ?";
            assertTrue(p.promptLength(new Prompt(img, "<image>\n" + q)) > p.promptLength(new Prompt(img, q)));
        }
        Path json = dir.resolve("v.json");
        CliRun v = evaluate(dir, "train.jsonl", "v.jsonl", "--protocol", "visual-rft", "--max-new-tokens", "8",
                "--json", json.toString());
        // the same answers as the default protocol on a dataset whose questions carry the line themselves
        CliRun d = evaluate(dir, prefixed.getFileName().toString(), "d.jsonl", "--max-new-tokens", "8",
                "--reward-mode", "visual-rft");
        assertEquals(0, v.code(), v.out() + v.err());
        assertEquals(0, d.code(), d.out() + d.err());
        List<JsonNode> asked = lines(dir.resolve("v.jsonl"));
        List<JsonNode> original = lines(dir.resolve("train.jsonl"));
        for (int i = 0; i < asked.size(); i++) {
            assertEquals("<image>\n" + original.get(i).get("problem").asText(), asked.get(i).get("problem").asText());
        }
        assertEquals(completions(dir.resolve("d.jsonl")), completions(dir.resolve("v.jsonl")));
        JsonNode m = JSON.readTree(json.toFile());
        assertEquals("visual-rft", m.get("protocol").asText());
        assertEquals("visual-rft", m.get("reward_mode").asText());
        assertTrue(m.get("decoding").get("generation_config").asText().endsWith("(absent: greedy)"), m.toString());
        assertTrue(v.out().lines().findFirst().orElse("").startsWith("decoding: protocol visual-rft"), v.out());

        // without --max-new-tokens: 1024, grounding 128 (the LISA script), recorded as used
        Path limits = dir.resolve("l.json");
        CliRun l = evaluate(dir, "train.jsonl", "l.jsonl", "--protocol", "visual-rft", "--limit", "1", "--json",
                limits.toString());
        assertEquals(0, l.code(), l.out() + l.err());
        JsonNode dec = JSON.readTree(limits.toFile()).get("decoding");
        assertEquals(1024, dec.get("max_new_tokens").asInt());
        assertEquals(128, dec.get("max_new_tokens_by_task").get("grounding").asInt());
        assertTrue(l.out().contains("max_new_tokens 1024 (grounding 128)"), l.out());
    }

    /**
     * The folder's repetition_penalty is applied under --protocol visual-rft (the answers are those of the same
     * penalty given on the command line, and differ from penalty 1, which an explicit option sets); --protocol
     * default ignores the file, as before.
     */
    @Test
    void theFoldersRepetitionPenaltyIsAppliedAndTheDefaultProtocolIgnoresTheFile(@TempDir Path dir)
            throws Exception {
        TrainCommandTest.setUp(dir);
        Path prefixed = prefixedCopy(dir);
        CliRun before = evaluate(dir, "train.jsonl", "before.jsonl", "--max-new-tokens", "12");
        assertEquals(0, before.code(), before.out() + before.err());
        Files.writeString(dir.resolve("model/generation_config.json"), "{\"do_sample\": false, \"temperature\": 0.3,"
                + " \"repetition_penalty\": 5.0, \"eos_token_id\": 2}");

        Path json = dir.resolve("file.json");
        CliRun file = evaluate(dir, "train.jsonl", "file.jsonl", "--protocol", "visual-rft", "--max-new-tokens", "12",
                "--json", json.toString());
        CliRun one = evaluate(dir, "train.jsonl", "one.jsonl", "--protocol", "visual-rft", "--max-new-tokens", "12",
                "--repetition-penalty", "1");
        CliRun given = evaluate(dir, prefixed.getFileName().toString(), "given.jsonl", "--max-new-tokens", "12",
                "--reward-mode", "visual-rft", "--repetition-penalty", "5");
        for (CliRun r : new CliRun[] {file, one, given}) {
            assertEquals(0, r.code(), r.out() + r.err());
        }
        assertEquals(completions(dir.resolve("given.jsonl")), completions(dir.resolve("file.jsonl")));
        assertNotEquals(completions(dir.resolve("one.jsonl")), completions(dir.resolve("file.jsonl")));
        JsonNode dec = JSON.readTree(json.toFile()).get("decoding");
        assertEquals(5.0, dec.get("repetition_penalty").asDouble());
        assertTrue(dec.get("greedy").asBoolean()); // do_sample false: the file's temperature is not used
        assertEquals(0.0, dec.get("temperature").asDouble());
        assertTrue(dec.get("generation_config").asText().endsWith("generation_config.json"), dec.toString());
        assertTrue(file.out().contains("repetition_penalty 5.0"), file.out());

        // --protocol default: today's evaluation, the file or not
        Path dj = dir.resolve("default.json");
        CliRun after = evaluate(dir, "train.jsonl", "after.jsonl", "--max-new-tokens", "12", "--json", dj.toString());
        assertEquals(0, after.code(), after.out() + after.err());
        assertEquals(Files.readString(dir.resolve("before.jsonl")), Files.readString(dir.resolve("after.jsonl")));
        JsonNode m = JSON.readTree(dj.toFile());
        assertEquals("default", m.get("protocol").asText());
        assertEquals("strict", m.get("reward_mode").asText());
        assertEquals(1.0, m.get("repetition_penalty").asDouble());
        assertEquals("greedy", m.get("decoding").get("generation_config").asText());
        assertEquals(0, m.get("decoding").get("max_new_tokens_by_task").size());
        // and the file through --generation-config folder with the default protocol: its penalty, no <image> line
        CliRun folder = evaluate(dir, "train.jsonl", "folder.jsonl", "--max-new-tokens", "12", "--generation-config",
                "folder", "--repetition-penalty", "5");
        assertEquals(0, folder.code(), folder.out() + folder.err());
        assertFalse(Files.readString(dir.resolve("folder.jsonl")).contains("<image>"));
    }

    /** A generation config that samples: each record its own stream, so --batch does not change the answers. */
    @Test
    void sampledAnswersDoNotDependOnTheBatch(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        // five records: batches of 2 and 3 split them differently
        List<String> records = new ArrayList<>(Files.readAllLines(dir.resolve("train.jsonl")));
        records.add(records.get(0));
        Files.write(dir.resolve("train.jsonl"), records);
        Files.writeString(dir.resolve("model/generation_config.json"), "{\"do_sample\": true, \"temperature\": 1.5,"
                + " \"top_k\": 0, \"top_p\": 1.0}");
        List<List<String>> answers = new ArrayList<>();
        for (String batch : new String[] {"1", "2", "3", "8"}) {
            CliRun r = evaluate(dir, "train.jsonl", "b" + batch + ".jsonl", "--generation-config", "folder",
                    "--max-new-tokens", "10", "--batch", batch, "--seed", "7");
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("sampled"), r.out());
            answers.add(completions(dir.resolve("b" + batch + ".jsonl")));
        }
        for (List<String> a : answers) {
            assertEquals(answers.get(0), a);
        }
        // it samples: the same question twice (records 0 and 4) gets different answers, and another seed others
        assertNotEquals(answers.get(0).get(0), answers.get(0).get(4));
        CliRun other = evaluate(dir, "train.jsonl", "s8.jsonl", "--generation-config", "folder", "--max-new-tokens",
                "10", "--seed", "8");
        assertEquals(0, other.code(), other.out() + other.err());
        assertNotEquals(answers.get(0), completions(dir.resolve("s8.jsonl")));
    }

    @Test
    void badProtocolOrGenerationConfigIsOneLineExit2(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Path gen = dir.resolve("model/generation_config.json");
        Files.writeString(gen, "{\"do_sample\": false, \"num_beams\": 4}");
        CliRun beams = evaluate(dir, "train.jsonl", "a.jsonl", "--protocol", "visual-rft");
        assertEquals(2, beams.code(), beams.out() + beams.err());
        assertEquals(1, beams.err().strip().lines().count(), beams.err());
        assertTrue(beams.err().contains(gen.toString()) && beams.err().contains("\"num_beams\""), beams.err());
        assertFalse(Files.exists(dir.resolve("a.jsonl")));
        // greedy decoding does not read the file
        CliRun greedy = evaluate(dir, "train.jsonl", "a.jsonl", "--protocol", "visual-rft", "--generation-config",
                "greedy", "--max-new-tokens", "2", "--limit", "1");
        assertEquals(0, greedy.code(), greedy.out() + greedy.err());

        for (String[] bad : new String[][] {{"--protocol", "paper"}, {"--generation-config", "file"}}) {
            CliRun r = evaluate(dir, "train.jsonl", "b.jsonl", bad);
            assertEquals(2, r.code(), r.out() + r.err());
            assertTrue(r.err().lines().findFirst().orElse("").contains(bad[0] + " must be"), r.err());
        }
    }

    /**
     * Qwen2-VL with Qwen2-VL-Instruct's generation_config.json (do_sample true, top_k 1, top_p 0.001, temperature
     * 0.01, repetition_penalty 1.05): the protocol's answers are greedy with penalty 1.05, the same as the default
     * protocol's with --repetition-penalty 1.05 on the questions with the <image> line.
     */
    @Test
    void qwen2VlInstructsFileIsGreedyWithPenalty105(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Files.writeString(model.resolve("generation_config.json"), "{\"bos_token_id\": 151643, \"pad_token_id\":"
                + " 151643, \"do_sample\": true, \"eos_token_id\": [151645, 151643], \"repetition_penalty\": 1.05,"
                + " \"temperature\": 0.01, \"top_p\": 0.001, \"top_k\": 1, \"transformers_version\": \"4.37.0\"}");
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.copy(fixture.resolve("image_b.png"), dir.resolve("b.png"));
        String q = "What is in the image ?";
        Files.writeString(dir.resolve("c.jsonl"), record("a.png", q) + record("b.png", q));
        String asked = "<image>\\n" + q; // JSON's escape of the newline
        Files.writeString(dir.resolve("p.jsonl"), record("a.png", asked) + record("b.png", asked));
        Path json = dir.resolve("m.json");
        CliRun v = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("c.jsonl").toString(),
                "--protocol", "visual-rft", "--max-new-tokens", "10", "--answers", dir.resolve("v.jsonl").toString(),
                "--json", json.toString());
        CliRun d = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("p.jsonl").toString(),
                "--max-new-tokens", "10", "--repetition-penalty", "1.05", "--reward-mode", "visual-rft", "--answers",
                dir.resolve("d.jsonl").toString());
        assertEquals(0, v.code(), v.out() + v.err());
        assertEquals(0, d.code(), d.out() + d.err());
        assertEquals(completions(dir.resolve("d.jsonl")), completions(dir.resolve("v.jsonl")));
        JsonNode dec = JSON.readTree(json.toFile()).get("decoding");
        assertTrue(dec.get("greedy").asBoolean());
        assertEquals(1.05, dec.get("repetition_penalty").asDouble());
        assertEquals(1, dec.get("top_k").asInt());
        assertEquals(0.01, dec.get("temperature").asDouble());
        assertTrue(v.out().lines().findFirst().orElse("").contains("greedy, temperature 0.01, top_k 1, top_p 0.001,"
                + " min_p 0.0, repetition_penalty 1.05, max_new_tokens 10, seed 0"), v.out());
    }

    /**
     * Grounding records under --protocol visual-rft are asked as the LISA script asks (the R1 system prompt, its
     * question text with ". " after the instruction, no <image> line): the answers are those of the default protocol
     * given that system prompt and those questions, and the answers file shows both.
     */
    @Test
    void groundingRecordsAreAskedAsTheLisaScript(@TempDir Path dir) throws Exception {
        Path fixture = Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("qwen2vl-tiny");
        Path model = TinyQwenFolder.create(Files.createDirectories(dir.resolve("model")), fixture);
        Files.copy(fixture.resolve("image_a.png"), dir.resolve("a.png"));
        Files.copy(fixture.resolve("image_b.png"), dir.resolve("b.png"));
        String[] instructions = {"the cat in the box", "what is in the image ?"};
        List<String> training = new ArrayList<>();
        List<String> evaluation = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (boolean eval : new boolean[] {false, true}) {
                ObjectNode r = JSON.createObjectNode();
                r.put("image", i == 0 ? "a.png" : "b.png");
                r.put("problem", eval ? VisualRftPrompts.lisaEvaluation(instructions[i], true)
                        : VisualRftPrompts.lisaTraining(instructions[i], true));
                r.put("solution", "<answer> (100,200),(500,600) </answer>");
                r.put("task", "grounding");
                (eval ? evaluation : training).add(JSON.writeValueAsString(r));
            }
        }
        Files.write(dir.resolve("train.jsonl"), training);
        Files.write(dir.resolve("eval.jsonl"), evaluation);
        Path json = dir.resolve("m.json");
        CliRun v = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("train.jsonl").toString(),
                "--protocol", "visual-rft", "--generation-config", "greedy", "--max-new-tokens", "6", "--answers",
                dir.resolve("v.jsonl").toString(), "--json", json.toString());
        CliRun d = CliRun.of("evaluate", "--model", model.toString(), "--dataset", dir.resolve("eval.jsonl").toString(),
                "--system-prompt", VisualRftPrompts.R1_SYSTEM_PROMPT, "--reward-mode", "visual-rft",
                "--max-new-tokens", "6", "--answers", dir.resolve("d.jsonl").toString());
        assertEquals(0, v.code(), v.out() + v.err());
        assertEquals(0, d.code(), d.out() + d.err());
        List<JsonNode> asked = lines(dir.resolve("v.jsonl"));
        for (int i = 0; i < 2; i++) {
            assertEquals(VisualRftPrompts.lisaEvaluation(instructions[i], true), asked.get(i).get("problem").asText());
            assertEquals(VisualRftPrompts.R1_SYSTEM_PROMPT, asked.get(i).get("system").asText());
        }
        assertEquals(completions(dir.resolve("d.jsonl")), completions(dir.resolve("v.jsonl")));
        assertTrue(JSON.readTree(json.toFile()).get("metrics").has("grounding_miou"));
        // the system prompt is tokens the model sees
        try (Policy p = ModelLoader.load(model)) {
            Prompt plain = new Prompt(Image.read(dir.resolve("a.png")), VisualRftPrompts.lisaEvaluation("x", true));
            assertTrue(p.promptLength(plain.withSystem(VisualRftPrompts.R1_SYSTEM_PROMPT)) > p.promptLength(plain));
        }
        // generate takes it too
        CliRun g = CliRun.of("generate", "--model", model.toString(), "--image", dir.resolve("a.png").toString(),
                "--prompt", "What is in the image ?", "--system-prompt", "You are a cat .", "--max-new-tokens", "3",
                "--temperature", "0");
        assertEquals(0, g.code(), g.out() + g.err());
    }

    /** The built-in model has no chat template: a system prompt is refused in one line, exit 2. */
    @Test
    void theBuiltInModelRefusesASystemPrompt(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        CliRun e = evaluate(dir, "train.jsonl", "e.jsonl", "--system-prompt", "Be brief.", "--max-new-tokens", "4");
        CliRun g = CliRun.of("generate", "--model", dir.resolve("model").toString(), "--image",
                dir.resolve("img0.png").toString(), "--prompt", "What is the category of this item ?",
                "--system-prompt", "Be brief.");
        for (CliRun r : new CliRun[] {e, g}) {
            assertEquals(2, r.code(), r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("vrft-tiny") && r.err().contains("system message"), r.err());
        }
        assertFalse(Files.exists(dir.resolve("e.jsonl")));
        // the protocol's own R1 prompt is left out for it: its grounding records are asked without a system turn
        Files.writeString(dir.resolve("g.jsonl"), "{\"image\": \"img0.png\", \"problem\": \"What is the category"
                + " of this item ?\", \"solution\": \"<answer> (1,2),(30,40) </answer>\", \"task\": \"grounding\"}\n");
        CliRun p = evaluate(dir, "g.jsonl", "p.jsonl", "--protocol", "visual-rft", "--max-new-tokens", "4");
        assertEquals(0, p.code(), p.out() + p.err());
        JsonNode answer = lines(dir.resolve("p.jsonl")).get(0);
        assertFalse(answer.has("system"), answer.toString());
        assertEquals("What is the category of this item ?", answer.get("problem").asText());
    }

    private static String record(String image, String problem) {
        return "{\"image\": \"" + image + "\", \"problem\": \"" + problem + "\", \"solution\":"
                + " \"<answer>cat</answer>\", \"task\": \"classification\"}\n";
    }

    /** generate --generation-config folder: the file's decoding (here greedy with penalty 5), no sampling options. */
    @Test
    void generateTakesTheFoldersGenerationConfig(@TempDir Path dir) throws Exception {
        TrainCommandTest.setUp(dir);
        Files.writeString(dir.resolve("model/generation_config.json"), "{\"do_sample\": false, \"temperature\": 0.3,"
                + " \"repetition_penalty\": 5.0}");
        String[] common = {"generate", "--model", dir.resolve("model").toString(), "--image",
            dir.resolve("img0.png").toString(), "--prompt", "What is the category of this item ?", "--samples", "2",
            "--max-new-tokens", "12"};
        CliRun folder = CliRun.of(concat(common, "--generation-config", "folder"));
        CliRun given = CliRun.of(concat(common, "--temperature", "0", "--repetition-penalty", "5"));
        CliRun plain = CliRun.of(concat(common, "--temperature", "0"));
        for (CliRun r : new CliRun[] {folder, given, plain}) {
            assertEquals(0, r.code(), r.out() + r.err());
        }
        assertEquals(answers(given), answers(folder));
        assertNotEquals(answers(plain), answers(folder));
        CliRun both = CliRun.of(concat(common, "--generation-config", "folder", "--top-k", "5"));
        assertEquals(2, both.code(), both.out() + both.err());
        assertTrue(both.err().lines().findFirst().orElse("").contains("--top-k and --generation-config"), both.err());
    }

    private static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    /** generate's answer lines (text, tokens, log-prob), without the timing line. */
    private static List<String> answers(CliRun r) {
        return r.out().lines().filter(l -> !l.contains("tokens/s")).toList();
    }

    private static CliRun evaluate(Path dir, String dataset, String answers, String... more) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--model", dir.resolve("model").toString(),
                "--dataset", dir.resolve(dataset).toString(), "--answers", dir.resolve(answers).toString()));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(String[]::new));
    }

    /** The dataset with "<image>\n" written before every question. */
    private static Path prefixedCopy(Path dir) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode r : lines(dir.resolve("train.jsonl"))) {
            ((ObjectNode) r).put("problem", "<image>\n" + r.get("problem").asText());
            out.add(JSON.writeValueAsString(r));
        }
        return Files.write(dir.resolve("prefixed.jsonl"), out);
    }

    private static List<String> completions(Path answers) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode a : lines(answers)) {
            out.add(a.get("completion").asText());
        }
        return out;
    }

    private static List<JsonNode> lines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
