package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

/** generation_config.json read with Hugging Face generate's semantics. */
class GenerationConfigTest {
    /** Qwen2-VL-2B/7B-Instruct's file as the Hub ships it. */
    static final String QWEN2_VL_INSTRUCT = """
            {
              "bos_token_id": 151643,
              "pad_token_id": 151643,
              "do_sample": true,
              "eos_token_id": [151645, 151643],
              "repetition_penalty": 1.05,
              "temperature": 0.01,
              "top_p": 0.001,
              "top_k": 1,
              "transformers_version": "4.37.0"
            }
            """;

    @Test
    void noFileIsTheLibraryDefaultsGreedy(@TempDir Path dir) {
        GenerationConfig c = GenerationConfig.ofFolder(dir);
        assertNull(c.source());
        assertFalse(c.doSample());
        assertEquals(50, c.topK());
        assertEquals(1.0, c.temperature());
        assertEquals(1.0, c.topP());
        assertEquals(1.0, c.repetitionPenalty());
        SamplingParams p = c.sampling(64);
        assertTrue(p.isGreedy());
        assertFalse(p.penalisesRepetition());
        assertEquals(64, p.maxNewTokens());
    }

    @Test
    void absentKeysTakeTransformersDefaults(@TempDir Path dir) throws Exception {
        // do_sample true alone: temperature 1, top_k 50, top_p 1, no min_p, no penalty
        SamplingParams p = write(dir, "{\"do_sample\": true}").sampling(10);
        assertEquals(new SamplingParams(1.0, 50, 1.0, 10, 1.0, 0.0), p);
        assertFalse(p.isGreedy());
        // an explicit null top_k adds no top-k filter in generate (all tokens), unlike an absent key
        assertEquals(0, write(dir, "{\"do_sample\": true, \"top_k\": null}").topK());
    }

    @Test
    void withoutDoSampleTheSamplingKeysAreIgnoredButThePenaltyIsNot(@TempDir Path dir) throws Exception {
        GenerationConfig c = write(dir, "{\"temperature\": 0.7, \"top_k\": 20, \"top_p\": 0.8, \"min_p\": 0.1,"
                + " \"repetition_penalty\": 1.2}");
        assertFalse(c.doSample());
        SamplingParams p = c.sampling(32);
        assertEquals(new SamplingParams(0.0, 0, 1.0, 32, 1.2, 0.0), p);
        assertTrue(p.isGreedy());
        // generate does not check them when it does not sample: a temperature of 0 is no fault here
        assertTrue(write(dir, "{\"do_sample\": false, \"temperature\": 0}").sampling(4).isGreedy());
    }

    @Test
    void qwen2VlInstructIsGreedyWithPenalty105(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve(GenerationConfig.FILE), QWEN2_VL_INSTRUCT);
        GenerationConfig c = GenerationConfig.ofFolder(dir);
        assertEquals(file, c.source());
        assertTrue(c.doSample());
        SamplingParams p = c.sampling(1024);
        assertEquals(new SamplingParams(0.01, 1, 0.001, 1024, 1.05, 0.0), p);
        assertTrue(p.isGreedy(), "top_k 1 keeps the most likely token only");
        assertTrue(p.penalisesRepetition());
    }

    @Test
    void keysThatAreNotImplementedAreRefusedNamingFileAndKey(@TempDir Path dir) {
        String[] refused = {"\"num_beams\": 4", "\"no_repeat_ngram_size\": 3", "\"typical_p\": 0.9",
            "\"epsilon_cutoff\": 0.0003", "\"eta_cutoff\": 0.001", "\"encoder_repetition_penalty\": 1.1",
            "\"bad_words_ids\": [[5]]", "\"sequence_bias\": {\"[5]\": -1}", "\"penalty_alpha\": 0.6",
            "\"num_beam_groups\": 2", "\"min_new_tokens\": 5", "\"suppress_tokens\": [1, 2]",
            "\"forced_eos_token_id\": 2", "\"num_return_sequences\": 3"};
        for (String kv : refused) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> write(dir, "{\"do_sample\": true, " + kv + "}"), kv);
            String key = kv.substring(1, kv.indexOf('"', 1));
            assertTrue(e.getMessage().startsWith(dir.resolve(GenerationConfig.FILE).toString() + ": \"" + key + "\""),
                    e.getMessage());
            assertTrue(e.getMessage().contains("does not implement"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        // the same keys at the values where they do nothing are fine (as transformers writes a full config)
        GenerationConfig c = assertDoesNotThrowRead(dir, "{\"num_beams\": 1, \"no_repeat_ngram_size\": 0,"
                + " \"typical_p\": 1.0, \"epsilon_cutoff\": 0.0, \"eta_cutoff\": 0.0, \"encoder_repetition_penalty\":"
                + " 1.0, \"bad_words_ids\": null, \"sequence_bias\": null, \"num_return_sequences\": 1,"
                + " \"length_penalty\": 1.0, \"early_stopping\": false, \"max_length\": 20, \"use_cache\": true,"
                + " \"some_new_key\": 3}");
        assertFalse(c.doSample());
    }

    @Test
    void invalidValuesAreOneLineNamingTheFile(@TempDir Path dir) {
        String[] bad = {"{\"do_sample\": true, \"temperature\": 0}", "{\"do_sample\": true, \"temperature\": -1}",
            "{\"temperature\": \"hot\"}", "{\"do_sample\": \"yes\"}", "{\"repetition_penalty\": 0}",
            "{\"do_sample\": true, \"top_k\": 2.5}", "{\"do_sample\": true, \"top_k\": -1}",
            "{\"do_sample\": true, \"top_p\": 1.5}", "{\"do_sample\": true, \"min_p\": 2}", "[1, 2]", "{not json"};
        for (String body : bad) {
            BadInputException e = assertThrows(BadInputException.class, () -> write(dir, body), body);
            assertTrue(e.getMessage().startsWith(dir.resolve(GenerationConfig.FILE).toString() + ": "),
                    e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
    }

    /** A huge file (a list of a hundred million suppressed tokens would fill the heap) is refused unread. */
    @Test
    void aHugeFileIsRefusedUnread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(GenerationConfig.FILE);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(2L << 20); // sparse: nothing is written
        }
        BadInputException e = assertThrows(BadInputException.class, () -> GenerationConfig.read(file));
        assertTrue(e.getMessage().contains("2097152 bytes"), e.getMessage());
    }

    /** The files transformers wrote for the fixtures' tiny Qwen folders: no sampling keys, so greedy. */
    @Test
    void transformersWrittenFilesReadAsGreedy() throws Exception {
        Path fixtures = Path.of(System.getProperty("vrft.fixtures", "../fixtures"));
        int n = 0;
        try (var dirs = Files.list(fixtures)) {
            for (Path d : (Iterable<Path>) dirs.sorted()::iterator) {
                if (Files.isRegularFile(d.resolve(GenerationConfig.FILE))) {
                    GenerationConfig c = GenerationConfig.ofFolder(d);
                    assertEquals(d.resolve(GenerationConfig.FILE), c.source());
                    assertTrue(c.sampling(8).isGreedy(), d.toString());
                    n++;
                }
            }
        }
        assertTrue(n > 0, "no model folder with a generation_config.json in " + fixtures);
    }

    private static GenerationConfig assertDoesNotThrowRead(Path dir, String body) {
        try {
            return write(dir, body);
        } catch (Exception e) {
            throw new AssertionError(body, e);
        }
    }

    private static GenerationConfig write(Path dir, String body) throws Exception {
        Files.writeString(dir.resolve(GenerationConfig.FILE), body);
        return GenerationConfig.ofFolder(dir);
    }
}
