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
        // without reward_funcs the weights have nothing to weight (the message said "2 weights for 0 reward_funcs")
        assertFault("reward_weights: [1.0, 2.0]", "'reward_weights' needs reward_funcs");
        // an empty path: output_dir "" wrote the run into the current folder, the others failed naming no file
        for (String key : new String[] {"model", "dataset", "eval_dataset", "output_dir"}) {
            assertFault(key + ": \"\"", "'" + key + "' is empty");
            assertFault(key + ": \"  \"", "'" + key + "' is empty");
        }
        // eval_steps / eval_limit without an eval_dataset did nothing, silently
        assertFault("eval_steps: 5", "'eval_steps' is 5 but no eval_dataset is set");
        assertFault("eval_limit: 3", "'eval_limit' is 3 but no eval_dataset is set");
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

    @Test
    void loraAndDtypeAreTrlModelConfigKeysAndResolveToLoadOptions() {
        GrpoConfig c = GrpoConfig.parse("r.yaml", """
                use_peft: true
                lora_r: 8
                lora_alpha: 16
                lora_target_modules: [q_proj, v_proj]
                torch_dtype: bfloat16
                seed: 7
                """);
        ModelArguments m = c.args().modelArgs();
        assertEquals("bfloat16", m.torchDtype());
        assertEquals(List.of("q_proj", "v_proj"), m.loraTargetModules());
        org.visualrft.model.policy.LoadOptions o = c.args().loadOptions(org.visualrft.model.tensor.Device.CPU);
        assertEquals(8, o.lora().rank());
        assertEquals(2.0, o.lora().scale());
        assertEquals(java.util.Set.of("q_proj", "v_proj"), o.lora().targets());
        assertEquals(7, o.loraSeed(), "the adapters are drawn from the run's seed");
        assertEquals(org.visualrft.model.tensor.DType.BF16, o.dtype());
        // recorded with their YAML names (provenance, resume checks)
        assertEquals(true, c.asYaml().get("use_peft"));
        assertEquals(8, c.asYaml().get("lora_r"));
        assertEquals("bfloat16", c.asYaml().get("torch_dtype"));

        // TRL's defaults: r 16, alpha 32; our default targets are every linear projection
        GrpoConfig d = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_target_modules: all-linear\n");
        assertEquals(16, d.args().modelArgs().loraR());
        assertEquals(32.0, d.args().modelArgs().loraAlpha());
        assertEquals(org.visualrft.model.lora.LoraConfig.ALL_LINEAR, d.args().modelArgs().loraTargetModules());

        // without use_peft: full fine-tuning in the folder's own dtype
        GrpoConfig plain = GrpoConfig.parse("r.yaml", "torch_dtype: auto\n");
        assertNull(plain.args().loadOptions(org.visualrft.model.tensor.Device.CPU).lora());
        assertNull(plain.args().loadOptions(org.visualrft.model.tensor.Device.CPU).dtype());
        assertEquals(false, plain.asYaml().get("use_peft"));
        assertNull(plain.asYaml().get("lora_r"));
        SftConfig sft = SftConfig.parse("s.yaml", "use_peft: true\nlora_r: 4\n");
        assertEquals(4, sft.args().loadOptions(org.visualrft.model.tensor.Device.CPU).lora().rank());
    }

    @Test
    void badLoraSettingsAreErrorsNamingTheKey() {
        assertFault("lora_r: 8", "'lora_r' only applies with use_peft: true");
        assertFault("use_peft: false\nlora_target_modules: all-linear", "'lora_target_modules' only applies");
        assertFault("use_peft: true\nlora_r: 0", "'lora_r' must be between 1");
        assertFault("use_peft: true\nlora_alpha: -2", "'lora_alpha' must be positive");
        assertFault("use_peft: true\nlora_target_modules: [q_proj, qkv]", "unknown module 'qkv'");
        assertFault("use_peft: true\nlora_target_modules: []", "at least one module");
        assertFault("use_peft: true\nlora_dropout: 0.05", "'lora_dropout' must be 0");
        assertFault("use_peft: yes please", "'use_peft' must be true or false");
        assertFault("torch_dtype: float16", "float16 is not supported");
        assertFault("torch_dtype: int8", "'torch_dtype' must be auto, bfloat16 or float32");
        assertFault("lora_rank: 8", "lora_rank");
    }

    @Test
    void maxPromptLengthIsOffByDefaultAndChecked() {
        assertNull(GrpoConfig.parse("r.yaml", "").maxPromptLength());
        assertNull(GrpoConfig.parse("r.yaml", "preset: visual-rft\n").maxPromptLength(),
                "the original never limited the prompt generation saw");
        assertNull(GrpoConfig.parse("r.yaml", "max_prompt_length: null\n").maxPromptLength());
        assertEquals(512, GrpoConfig.parse("r.yaml", "max_prompt_length: 512\n").maxPromptLength());
        assertEquals(300, GrpoConfig.parse("r.yaml", "preset: visual-rft\nmax_prompt_length: 300\n").maxPromptLength());
        assertFault("max_prompt_length: 0", "'max_prompt_length' must be between 1");
        assertFault("max_prompt_length: long", "'max_prompt_length' must be an integer");
    }

    @Test
    void rolloutBatchGroupsIsOnePromptAtATimeByDefaultAndChecked() {
        assertEquals(1, GrpoConfig.parse("r.yaml", "").rolloutBatchGroups());
        assertEquals(1, GrpoConfig.parse("r.yaml", "preset: visual-rft\n").rolloutBatchGroups());
        GrpoConfig c = GrpoConfig.parse("r.yaml", "rollout_batch_groups: 8\n");
        assertEquals(8, c.rolloutBatchGroups());
        assertEquals(8, c.asYaml().get("rollout_batch_groups"), "recorded, so a resume with another value is seen");
        assertFault("rollout_batch_groups: 0", "'rollout_batch_groups' must be between 1 and 1024, got 0");
        assertFault("rollout_batch_groups: 2000", "'rollout_batch_groups' must be between 1 and 1024");
        assertFault("rollout_batch_groups: many", "'rollout_batch_groups' must be an integer");
        BadInputException e = assertThrows(BadInputException.class,
                () -> SftConfig.parse("s.yaml", "rollout_batch_groups: 4"));
        assertTrue(e.fault().contains("unknown setting 'rollout_batch_groups'"), e.fault());
    }

    @Test
    void zeroStageIsZeroOrOneAndRecorded() {
        assertEquals(0, GrpoConfig.parse("z.yaml", "seed: 1\n").args().zeroStage());
        GrpoConfig c = GrpoConfig.parse("z.yaml", "zero_stage: 1\n");
        assertEquals(1, c.args().zeroStage());
        assertEquals(1, c.asYaml().get("zero_stage"));
        assertEquals(1, SftConfig.parse("s.yaml", "zero_stage: 1\n").args().zeroStage());
        assertFault("zero_stage: 2", "'zero_stage' ZeRO stage 2 (sharding the gradients) is not implemented");
        assertFault("zero_stage: 3", "ZeRO stage 3 (sharding the gradients and the parameters) is not implemented");
        assertFault("zero_stage: 4", "must be 0 (off) or 1");
        assertFault("zero_stage: -1", "must be 0 (off) or 1");
    }

    private static void assertFault(String yaml, String mention) {
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoConfig.parse("x.yaml", yaml), yaml);
        assertEquals("x.yaml", e.source());
        assertTrue(e.fault().contains(mention), e.fault());
    }
}
