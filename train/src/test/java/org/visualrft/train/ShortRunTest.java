package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.train.sft.SftTrainer;

/**
 * The method works end to end on the built-in model: a brief SFT teaches the answer format (the model is then partly
 * right: it names a valid label but mostly ignores the image), and a short GRPO run raises the mean reward.
 * <p>
 * The model runs in float64: a sampled trajectory of 80 updates amplifies rounding, and in float32 the rounding of
 * the CPU's kernels and of the thread count changes which tokens get sampled (measured: 1 vs 2 threads gave different
 * rewards). In float64 a sampled token flips only if a uniform draw lands within ~1e-16 of a boundary, so the run is
 * the same on every CPU. The gain asserted (+0.2 of a maximum 2) is below the smallest measured over seeds 21 to 26
 * ({@code -Dtr.seed=S}): +0.30 to +1.17.
 */
class ShortRunTest {
    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void grpoRaisesTheMeanRewardOfAPartlyRightModel(@TempDir Path dir) throws Exception {
        sftThenGrpoRaisesTheReward(dir, Device.CPU);
    }

    /**
     * The run on {@code device}: SFT, then GRPO; asserts the SFT-ed model is partly right and GRPO raised its mean
     * reward by more than 0.2.
     */
    static void sftThenGrpoRaisesTheReward(Path dir, Device device) throws Exception {
        List<TrainingExample> data = TinyTask.examples(16, 11);
        SftConfig sft = SftConfig.parse("sft.yaml", """
                output_dir: %s
                sft_target: with_thinking
                per_device_train_batch_size: 4
                learning_rate: 1.0e-2
                lr_scheduler_type: constant
                max_steps: %d
                save_steps: 1000
                seed: 5
                """.formatted(dir.resolve("sft"), Integer.getInteger("tr.sft", 30)));
        GrpoConfig grpo = GrpoConfig.parse("grpo.yaml", """
                output_dir: %s
                num_generations: 8
                per_device_train_batch_size: 2
                max_completion_length: 10
                learning_rate: %s
                lr_scheduler_type: constant
                max_steps: %d
                save_steps: 1000
                reward_funcs: [accuracy, format]
                reward_mode: strict
                seed: 5
                """.formatted(dir.resolve("grpo"), System.getProperty("tr.lr", "5.0e-3"), Integer.getInteger("tr.steps", 40)));
        double before;
        double after;
        Rewarder rewarder = Rewarder.of(grpo.rewardFuncs(), grpo.rewardWeights(), grpo.rewardMode(), "grpo.yaml");
        try (TinyVlm model = TinyTask.model(dir, Long.getLong("tr.seed", 21), DType.F64, device)) {
            new SftTrainer(sft, data, null, QUIET, false).run(model, false, -1);
            before = meanReward(model, data, rewarder);
            new GrpoTrainer(grpo, data, rewarder, null, QUIET, false).run(model, false, -1);
            after = meanReward(model, data, rewarder);
        }
        List<Double> curve = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(dir.resolve("grpo/metrics.jsonl"))) {
            curve.add(Math.round(json.readTree(line).get("reward").asDouble() * 100) / 100.0);
        }
        System.out.println("ShortRunTest on " + device + ": reward before " + before + " after " + after + "; per step " + curve);
        assertTrue(before > 0.2 && before < 1.8, "the SFT-ed base is partly right (reward of 2): " + before);
        assertTrue(after > before + 0.2, "GRPO raised the mean reward: before " + before + ", after " + after);
    }

    /** Mean total reward of 8 samples per example (temperature 1), from a fixed seed. */
    static double meanReward(TinyVlm model, List<TrainingExample> data, Rewarder rewarder) {
        SplittableRandom rng = new SplittableRandom(99);
        double sum = 0;
        int n = 0;
        for (TrainingExample ex : data) {
            for (Rollout r : model.generate(ex.prompt(), 8, SamplingParams.visualRft(10), rng)) {
                sum += rewarder.score(r.text(), ex).total();
                n++;
            }
        }
        return sum / n;
    }

    static double mean(List<Double> v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.size();
    }
}
