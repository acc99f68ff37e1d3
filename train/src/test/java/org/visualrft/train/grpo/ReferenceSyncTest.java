package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.checkpoint.CheckpointStore;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * {@code sync_ref_model} (TRL's, from TR-DPO) on the float64 built-in model: after every {@code ref_model_sync_steps}-th
 * optimiser update the reference becomes {@code (1 − α)·ref + α·policy}, as the checkpoints' weights say it must; a run
 * stopped and resumed ends with the same policy and reference, to the bit, as the run left alone; with α = 1 at every
 * update the reference is the policy, so every step's KL is exactly 0.
 */
class ReferenceSyncTest {
    private static final int STEPS = 4;

    @Test
    void theReferenceMovesTowardThePolicyAsDefinedAndResumesExactly(@TempDir Path dir) throws Exception {
        Map<String, double[]> base;
        try (TinyVlm m = TinyTask.model(dir.resolve("m"), 3, DType.F64)) {
            base = weights(m.parameters());
        }
        String sync = "sync_ref_model: true\nref_model_mixup_alpha: 0.25\nref_model_sync_steps: 2\n";
        Path whole = dir.resolve("whole");
        Map<String, double[]> w4 = run(whole, sync, -1, false);
        Map<String, double[]> w2 = run(dir.resolve("two"), sync, 2, false); // the same first two steps, to the bit
        assertEquals(base.keySet(), reference(whole, 1).keySet(), "the reference's weights are all its own");
        for (String n : base.keySet()) {
            assertArrayEquals(base.get(n), reference(whole, 1).get(n), 0.0, n + ": no sync after update 1");
            double[] r2 = new double[base.get(n).length];
            double[] r4 = new double[r2.length];
            for (int i = 0; i < r2.length; i++) {
                r2[i] = 0.75 * base.get(n)[i] + 0.25 * w2.get(n)[i];
                r4[i] = 0.75 * r2[i] + 0.25 * w4.get(n)[i];
            }
            assertClose(r2, reference(whole, 2).get(n), n + " after update 2");
            assertArrayEquals(reference(whole, 2).get(n), reference(whole, 3).get(n), 0.0, n + ": none after 3");
            assertClose(r4, reference(whole, 4).get(n), n + " after update 4");
        }
        assertFalse(java.util.Arrays.equals(base.get("model.embed_tokens.weight"),
                reference(whole, 3).get("model.embed_tokens.weight")), "the reference moved by step 3");

    }

    /**
     * Stopped after step 3 and resumed: the checkpoint's reference comes back, so step 4 is the same. (In float32, the
     * dtype the built-in model saves its checkpoints in: a float64 policy resumes from float32 weights.)
     */
    @Test
    void aResumedRunScoresAgainstTheReferenceItHad(@TempDir Path dir) throws Exception {
        String sync = "sync_ref_model: true\nref_model_mixup_alpha: 0.25\nref_model_sync_steps: 2\n";
        Path whole = dir.resolve("whole");
        run(whole, sync, -1, false, DType.F32);
        Path resumed = dir.resolve("resumed");
        run(resumed, sync, 3, false, DType.F32);
        run(resumed, sync, -1, true, DType.F32);
        Map<String, double[]> a = model(whole, STEPS);
        for (String n : a.keySet()) {
            assertArrayEquals(a.get(n), model(resumed, STEPS).get(n), 0.0, n + ": policy after the resume");
            assertArrayEquals(reference(whole, 4).get(n), reference(resumed, 4).get(n), 0.0, n + ": reference");
        }
        assertFalse(java.util.Arrays.equals(reference(whole, 3).get("model.embed_tokens.weight"),
                model(whole, 0 + 3).get("model.embed_tokens.weight")), "the reference is not the policy");
    }

    @Test
    void withAlphaOneAtEveryUpdateTheReferenceIsThePolicySoTheKlIsZero(@TempDir Path dir) throws Exception {
        run(dir.resolve("synced"), "sync_ref_model: true\nref_model_mixup_alpha: 1.0\nref_model_sync_steps: 1\n", -1,
                false);
        run(dir.resolve("fixed"), "", -1, false);
        List<Double> synced = kl(dir.resolve("synced"));
        List<Double> fixed = kl(dir.resolve("fixed"));
        assertEquals(STEPS, synced.size());
        for (double k : synced) {
            assertEquals(0.0, k, 0.0, "kl " + synced);
        }
        assertTrue(fixed.get(STEPS - 1) > 0, "without the sync the policy drifts from the base: " + fixed);
    }

    /** A run into {@code out}; returns the policy's weights where it stopped (the model trained in place). */
    private static Map<String, double[]> run(Path out, String extra, int stopAfter, boolean resume) throws Exception {
        return run(out, extra, stopAfter, resume, DType.F64);
    }

    private static Map<String, double[]> run(Path out, String extra, int stopAfter, boolean resume, DType dtype)
            throws Exception {
        List<TrainingExample> data = TinyTask.examples(6, 1);
        GrpoConfig cfg = GrpoConfig.parse("t.yaml", """
                output_dir: %s
                num_generations: 4
                per_device_train_batch_size: 2
                max_completion_length: 6
                learning_rate: 3.0e-3
                max_steps: %d
                save_steps: 1
                logging_steps: 1
                reward_funcs: [accuracy]
                reward_mode: strict
                seed: 7
                %s
                """.formatted(out, STEPS, extra));
        try (TinyVlm m = TinyTask.model(out.resolveSibling(out.getFileName() + "-model"), 3, dtype)) {
            new GrpoTrainer(cfg, data, GrpoTrainerTest.rewarder(cfg), null, GrpoTrainerTest.QUIET, false)
                    .run(m, resume, stopAfter);
            return weights(m.parameters());
        }
    }

    private static Map<String, double[]> weights(List<Parameter> ps) {
        Map<String, double[]> out = new LinkedHashMap<>();
        ps.forEach(p -> out.put(p.name(), p.value().toDoubles()));
        return out;
    }

    private static Map<String, double[]> model(Path run, int step) {
        return read(CheckpointStore.modelDir(run.resolve("checkpoint-" + step)).resolve("model.safetensors"));
    }

    private static Map<String, double[]> reference(Path run, int step) {
        return read(run.resolve("checkpoint-" + step).resolve(MovingReference.FILE));
    }

    private static Map<String, double[]> read(Path file) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String n : f.entries().keySet()) {
                out.put(n, f.read(n).toDoubles());
            }
        }
        return out;
    }

    private static List<Double> kl(Path run) throws Exception {
        List<Double> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            out.add(json.readTree(line).get("kl").asDouble());
        }
        return out;
    }

    private static void assertClose(double[] want, double[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-14 * Math.max(1, Math.abs(want[i])), what + "[" + i + "]");
        }
    }
}
