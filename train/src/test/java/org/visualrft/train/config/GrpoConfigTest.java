package org.visualrft.train.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

class GrpoConfigTest {
    @Test
    void visualRftPresetPinsTheOriginalSettings() {
        GrpoConfig c = GrpoConfig.parse("run.yaml", "preset: visual-rft\n");
        assertEquals(8, c.numGenerations());
        assertEquals(0.04, c.beta());
        assertEquals(1.0, c.temperature());
        assertEquals(50, c.topK());
        assertEquals(1.0, c.topP());
        assertEquals(1, c.numIterations());
        assertNull(c.epsilon());
        assertEquals(LossAggregation.SEQ_MEAN_TOKEN_MEAN, c.lossType());
        assertEquals(AdvantageMode.STD, c.scaleRewards());
        assertEquals(1e-6, c.args().learningRate());
        assertEquals(ScheduleType.LINEAR, c.args().lrSchedulerType());
        assertEquals(1.0, c.args().maxGradNorm());
        assertEquals(16, c.args().perDeviceTrainBatchSize() * c.args().gradientAccumulationSteps());
    }

    @Test
    void userSettingsOverrideThePreset() {
        GrpoConfig c = GrpoConfig.parse("run.yaml", "preset: visual-rft\nnum_generations: 4\nlearning_rate: 3e-5\n");
        assertEquals(4, c.numGenerations());
        assertEquals(3e-5, c.args().learningRate());
        assertEquals(0.04, c.beta());
    }

    @Test
    void trlNamesAndValuesAreAccepted() {
        GrpoConfig c = GrpoConfig.parse("r.yaml", """
                loss_type: dr_grpo
                scale_rewards: false
                epsilon: 0.2
                epsilon_high: 0.28
                num_iterations: 2
                lr_scheduler_type: cosine
                warmup_ratio: 0.1
                max_steps: 50
                reward_funcs: [accuracy_iou, format]
                reward_weights: [1.0, 0.5]
                """);
        assertEquals(LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM, c.lossType());
        assertEquals(AdvantageMode.MEAN_ONLY, c.scaleRewards());
        assertTrue(c.clipping());
        assertEquals(0.28, c.epsilonHighOrLow());
        assertEquals(2, c.numIterations());
        assertEquals(ScheduleType.COSINE, c.args().lrSchedulerType());
        assertEquals(5, c.args().warmup(50));
        assertEquals(List.of(1.0, 0.5), c.rewardWeights());
        assertEquals(LossAggregation.TOKEN_MEAN, GrpoConfig.parse("r", "loss_type: bnpo").lossType());
    }

    @Test
    void unknownKeyIsAnErrorNamingFileAndKey(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("run.yaml");
        Files.writeString(f, "num_generation: 8\n");
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoConfig.load(f));
        assertEquals(f.toString(), e.source());
        assertTrue(e.fault().contains("unknown setting 'num_generation'"), e.fault());
        assertTrue(e.fault().contains("num_generations"), e.fault());
    }

    @Test
    void badValuesAreErrors() {
        assertFault("num_generations: 1", "num_generations");
        assertFault("beta: -0.1", "beta");
        assertFault("beta: lots", "beta");
        assertFault("top_p: 1.5", "top_p");
        assertFault("loss_type: ppo", "loss_type");
        assertFault("scale_rewards: maybe", "scale_rewards");
        assertFault("epsilon_high: 0.28", "epsilon_high");
        assertFault("reward_funcs: [a, b]\nreward_weights: [1.0]", "reward_weights");
        assertFault("preset: trl-latest", "preset");
        assertFault("- a\n- b", "top level");
        assertFault("beta: 0.1\nbeta: 0.2", "YAML");
        assertFault("max_steps: 0", "max_steps");
    }

    @Test
    void sftConfigReadsItsKeysAndRejectsGrpoOnes() {
        SftConfig c = SftConfig.parse("s.yaml", "sft_target: with_thinking\nmax_length: 64\nlearning_rate: 1e-4\n");
        assertEquals(SftTarget.WITH_THINKING, c.sftTarget());
        assertEquals(64, c.maxLength());
        assertEquals(1e-4, c.args().learningRate());
        BadInputException e = assertThrows(BadInputException.class, () -> SftConfig.parse("s.yaml", "beta: 0.04"));
        assertTrue(e.fault().contains("unknown setting 'beta'"), e.fault());
    }

    @Test
    void totalStepsFromEpochs() {
        TrainingArguments a = GrpoConfig.parse("r", "num_train_epochs: 2\nper_device_train_batch_size: 2\n"
                + "gradient_accumulation_steps: 3\n").args();
        assertEquals(2 * 4, a.totalSteps(20)); // ceil(20 / 6) = 4 steps per epoch
    }

    private static void assertFault(String yaml, String mention) {
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoConfig.parse("x.yaml", yaml), yaml);
        assertEquals("x.yaml", e.source());
        assertTrue(e.fault().contains(mention), e.fault());
    }
}
