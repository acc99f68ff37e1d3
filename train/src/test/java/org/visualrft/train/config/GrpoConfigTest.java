package org.visualrft.train.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * TRL SFTConfig keys from copied recipes: completion_only_loss: true is what runs here and is taken; the others are
     * refused with what a run here does instead (they were "unknown", max_seq_length with a hint to max_length, which
     * here means the target alone).
     */
    @Test
    void trlSftKeysAreTakenOrRefusedWithTheReason() {
        assertEquals(SftConfig.parse("s.yaml", "").asYaml(),
                SftConfig.parse("s.yaml", "completion_only_loss: true\n").asYaml());
        BadInputException off = assertThrows(BadInputException.class,
                () -> SftConfig.parse("s.yaml", "completion_only_loss: false\n"));
        assertTrue(off.fault().contains("'completion_only_loss'") && off.fault().contains("target tokens only"),
                off.fault());
        for (String key : List.of("packing", "padding_free", "max_seq_length", "dataset_text_field",
                "assistant_only_loss", "neftune_noise_alpha", "loss_type")) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> SftConfig.parse("s.yaml", key + ": 1\n"));
            assertTrue(e.fault().contains("'" + key + "' is a Hugging Face/TRL setting a run here does not take"),
                    e.fault());
        }
        BadInputException len = assertThrows(BadInputException.class,
                () -> SftConfig.parse("s.yaml", "max_seq_length: 1024\n"));
        assertTrue(len.fault().contains("max_length") && len.fault().contains("target"), len.fault());
    }

    @Test
    void totalStepsFromEpochs() {
        TrainingArguments a = GrpoConfig.parse("r", "num_train_epochs: 2\nper_device_train_batch_size: 2\n"
                + "gradient_accumulation_steps: 3\n").args();
        assertEquals(2 * 4, a.totalSteps(20, 1)); // ceil(20 / 6) = 4 steps per epoch
        assertEquals(2 * 2, a.totalSteps(20, 2)); // 2 ranks: ceil(20 / 12) = 2
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

    /**
     * freeze_vision_modules (VLM-R1's name): full fine-tuning trains the vision tower by default, as Hugging Face's
     * Trainer and the original Visual-RFT do; LoRA keeps it frozen by default (the adapters sit on the language
     * model).
     */
    @Test
    void freezeVisionModulesDefaultsToTrainingTheTowerInFullAndFreezingItWithLora() {
        org.visualrft.model.tensor.Device cpu = org.visualrft.model.tensor.Device.CPU;
        GrpoConfig full = GrpoConfig.parse("r.yaml", "");
        assertEquals(false, full.args().modelArgs().freezeVisionModules());
        assertEquals(Boolean.FALSE, full.args().loadOptions(cpu).freezeVision());
        assertEquals(false, full.asYaml().get("freeze_vision_modules"));
        GrpoConfig frozen = GrpoConfig.parse("r.yaml", "freeze_vision_modules: true\n");
        assertEquals(Boolean.TRUE, frozen.args().loadOptions(cpu).freezeVision());
        GrpoConfig lora = GrpoConfig.parse("r.yaml", "use_peft: true\n");
        assertEquals(true, lora.asYaml().get("freeze_vision_modules"));
        assertEquals(Boolean.TRUE, lora.args().loadOptions(cpu).freezeVision());
        assertEquals(Boolean.TRUE, GrpoConfig.parse("r.yaml", "use_peft: true\nfreeze_vision_modules: true\n")
                .args().loadOptions(cpu).freezeVision());
        assertEquals(Boolean.TRUE, SftConfig.parse("s.yaml", "freeze_vision_modules: true\n").args().loadOptions(cpu)
                .freezeVision());
        assertFault("freeze_vision_modules: sometimes", "'freeze_vision_modules' must be true or false");
    }

    /**
     * use_peft with freeze_vision_modules: false matches lora_target_modules over the vision tower too, as PEFT
     * matches target_modules over the whole model: all-linear takes every linear layer, a list keeps its names (the
     * tower's included); with the tower frozen its names are refused in one line naming the key.
     */
    @Test
    void loraWithAnUnfrozenTowerMatchesTheTargetsThereToo() {
        org.visualrft.model.tensor.Device cpu = org.visualrft.model.tensor.Device.CPU;
        GrpoConfig all = GrpoConfig.parse("r.yaml", "use_peft: true\nfreeze_vision_modules: false\n");
        assertEquals(false, all.asYaml().get("freeze_vision_modules"));
        assertEquals(List.of("all-linear"), all.args().modelArgs().loraTargetModules());
        org.visualrft.model.policy.LoadOptions o = all.args().loadOptions(cpu);
        assertTrue(o.lora().visionTower(), "adapters on the tower");
        assertEquals(java.util.Set.of("all-linear"), o.lora().targets());
        assertEquals(false, o.trainsVision(), "its base weights stay frozen");
        GrpoConfig listed = GrpoConfig.parse("r.yaml", "use_peft: true\nfreeze_vision_modules: false\n"
                + "lora_target_modules: [q_proj, attn.qkv, fc1, mlp.0, linear_fc2]\n");
        assertEquals(List.of("q_proj", "attn.qkv", "fc1", "mlp.0", "linear_fc2"),
                listed.args().modelArgs().loraTargetModules());
        assertEquals(java.util.Set.of("q_proj", "attn.qkv", "fc1", "mlp.0", "linear_fc2"),
                listed.args().loadOptions(cpu).lora().targets());
        assertTrue(listed.args().loadOptions(cpu).lora().visionTower());
        // frozen (the default with use_peft): the language model's projections only, as before
        GrpoConfig frozen = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_target_modules: all-linear\n");
        assertFalse(frozen.args().loadOptions(cpu).lora().visionTower());
        assertEquals(org.visualrft.model.lora.LoraConfig.ALL_LINEAR, frozen.args().modelArgs().loraTargetModules());
        assertFault("use_peft: true\nlora_target_modules: [q_proj, qkv]", "'lora_target_modules' 'qkv' is a"
                + " vision-tower module");
        assertFault("use_peft: true\nfreeze_vision_modules: true\nlora_target_modules: [fc1]",
                "set freeze_vision_modules: false");
        assertFault("use_peft: true\nfreeze_vision_modules: false\nlora_target_modules: [lm_head]",
                "'lora_target_modules' unknown module 'lm_head'");
        assertFault("use_peft: true\nfreeze_vision_modules: false\nlora_target_modules: [all-linear, qkv]",
                "all-linear stands alone");
        assertFault("use_peft: true\nfreeze_vision_modules: false\nlora_target_modules: []", "must name at least one");
    }

    /**
     * lora_target_modules given as a string is PEFT's regular expression, as TRL hands it to PEFT (all-linear aside);
     * lora_exclude_modules is PEFT's exclude_modules, a list or an expression. Both reach the loader and the record
     * (provenance, resume checks); an expression Java cannot match as Python does, or a list entry that names no
     * linear layer (which PEFT's suffix match would let exclude nothing), is one error naming the key.
     */
    @Test
    void regularExpressionTargetsAndExclusionsAreTrlsStringsAndLists() {
        org.visualrft.model.tensor.Device cpu = org.visualrft.model.tensor.Device.CPU;
        GrpoConfig c = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_target_modules: '.*\\.(q|v)_proj'\n"
                + "lora_exclude_modules: [layers.0.self_attn.v_proj, q_proj]\n");
        assertEquals(".*\\.(q|v)_proj", c.asYaml().get("lora_target_modules"));
        assertEquals(List.of("layers.0.self_attn.v_proj", "q_proj"), c.asYaml().get("lora_exclude_modules"));
        org.visualrft.model.lora.LoraConfig lora = c.args().loadOptions(cpu).lora();
        assertEquals(".*\\.(q|v)_proj", lora.targetRegex());
        assertEquals(java.util.Set.of(), lora.targets());
        assertEquals(java.util.Set.of("layers.0.self_attn.v_proj", "q_proj"), lora.exclude().names());
        assertEquals(org.visualrft.model.lora.LoraTargets.Layout.NESTED, lora.layout(), "transformers 4.52+'s names");
        GrpoConfig re = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_exclude_modules: '.*visual.*'\n");
        assertEquals(".*visual.*", re.asYaml().get("lora_exclude_modules"));
        assertEquals(".*visual.*", re.args().loadOptions(cpu).lora().exclude().regex());
        assertEquals(org.visualrft.model.lora.LoraConfig.ALL_LINEAR, re.args().modelArgs().loraTargetModules());
        GrpoConfig none = GrpoConfig.parse("r.yaml", "use_peft: true\n");
        assertNull(none.asYaml().get("lora_exclude_modules"), "unset: recorded as runs before it read");
        assertTrue(none.args().loadOptions(cpu).lora().exclude().isEmpty());
        // a lone name as a string is an expression too (it matches no whole module name: the loader says so)
        assertEquals("q_proj", GrpoConfig.parse("r.yaml", "use_peft: true\nlora_target_modules: q_proj\n")
                .args().loadOptions(cpu).lora().targetRegex());

        assertFault("use_peft: true\nlora_target_modules: '(?P<a>x)(?P=a)'", "'lora_target_modules' regular"
                + " expression '(?P<a>x)(?P=a)': backreferences");
        assertFault("use_peft: true\nlora_exclude_modules: '[a&&b]'", "intersection");
        assertFault("use_peft: true\nlora_exclude_modules: [visual]", "'visual' is not a linear layer's name");
        assertFault("use_peft: true\nlora_exclude_modules: [all-linear]", "'all-linear' is not a linear layer's name");
        assertFault("lora_exclude_modules: [q_proj]", "'lora_exclude_modules' only applies with use_peft: true");
        assertFault("use_peft: true\nlora_target_modules: ''", "empty regular expression");
    }

    /** sync_ref_model with TRL's names and defaults (α 0.6, every 512 updates); what cannot work is refused. */
    @Test
    void syncRefModelTakesTrlsSettingsAndRefusesWhatCannotMove() {
        GrpoConfig on = GrpoConfig.parse("r.yaml", "sync_ref_model: true\n");
        assertEquals(0.6, on.referenceSync().mixupAlpha());
        assertEquals(512, on.referenceSync().syncSteps());
        assertEquals(true, on.asYaml().get("sync_ref_model"));
        assertEquals(512, on.asYaml().get("ref_model_sync_steps"));
        assertNull(GrpoConfig.parse("r.yaml", "").referenceSync());
        assertEquals(false, GrpoConfig.parse("r.yaml", "").asYaml().get("sync_ref_model"));
        assertTrue(on.referenceSync().after(1024) && !on.referenceSync().after(1000));
        assertFault("ref_model_sync_steps: 8", "'ref_model_sync_steps' only applies with sync_ref_model: true");
        assertFault("sync_ref_model: true\nuse_peft: true", "'sync_ref_model' is not possible with use_peft");
        assertFault("sync_ref_model: true\nbeta: 0", "'sync_ref_model' needs a KL reference");
        assertFault("sync_ref_model: true\nref_model_mixup_alpha: 0", "'ref_model_mixup_alpha' must be in (0, 1]");
        assertFault("sync_ref_model: true\nref_model_sync_steps: 0", "'ref_model_sync_steps' must be at least 1");
        assertFault("eval_on_start: true", "'eval_on_start' needs an eval_dataset");
        assertEquals(true, GrpoConfig.parse("r.yaml", "eval_dataset: e.jsonl\neval_on_start: true\n").args().evalOnStart());
    }

    @Test
    void badLoraSettingsAreErrorsNamingTheKey() {
        assertFault("lora_r: 8", "'lora_r' only applies with use_peft: true");
        assertFault("use_peft: false\nlora_target_modules: all-linear", "'lora_target_modules' only applies");
        assertFault("use_peft: true\nlora_r: 0", "'lora_r' must be between 1");
        assertFault("use_peft: true\nlora_alpha: -2", "'lora_alpha' must be positive");
        assertFault("use_peft: true\nlora_target_modules: [q_proj, qkv_proj]", "unknown module 'qkv_proj'");
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

    @Test
    void gspoTwoSidedClippingAndTruncationMaskAreTrlsSettings() {
        GrpoConfig plain = GrpoConfig.parse("g.yaml", "seed: 1\n");
        assertEquals(ImportanceSampling.TOKEN, plain.importanceSampling());
        assertNull(plain.delta());
        assertEquals(false, plain.maskTruncatedCompletions());
        assertEquals(false, plain.logCompletions());
        GrpoConfig preset = GrpoConfig.parse("g.yaml", "preset: visual-rft\n");
        assertEquals(ImportanceSampling.TOKEN, preset.importanceSampling());
        assertEquals(false, preset.maskTruncatedCompletions());
        GrpoConfig c = GrpoConfig.parse("g.yaml", "importance_sampling_level: sequence\nepsilon: 3.0e-4\n"
                + "epsilon_high: 4.0e-4\ndelta: 1.5\nmask_truncated_completions: true\nlog_completions: true\n");
        assertEquals(ImportanceSampling.SEQUENCE, c.importanceSampling());
        assertEquals(1.5, c.delta());
        assertTrue(c.maskTruncatedCompletions());
        assertTrue(c.logCompletions());
        assertEquals("sequence", c.asYaml().get("importance_sampling_level"));
        assertEquals(1.5, c.asYaml().get("delta"));
        assertEquals(true, c.asYaml().get("mask_truncated_completions"));
        assertEquals(true, c.asYaml().get("log_completions"));
        assertEquals(AdvantageMode.BATCH, GrpoConfig.parse("g.yaml", "scale_rewards: batch\n").scaleRewards());
        assertEquals("batch", GrpoConfig.parse("g.yaml", "scale_rewards: batch\n").asYaml().get("scale_rewards"));
        assertFault("importance_sampling_level: sentence", "must be one of [token, sequence], got 'sentence'");
        assertFault("delta: 1.5", "'delta' caps the ratio of the clipped objective: it needs epsilon to be set");
        assertFault("epsilon: 0.2\ndelta: 1.0", "'delta' must be greater than 1");
        assertFault("mask_truncated_completions: maybe", "mask_truncated_completions");
    }

    @Test
    void topEntropyQuantileIsTrlsRhoKeepingEveryTokenByDefault() {
        GrpoConfig plain = GrpoConfig.parse("e.yaml", "seed: 1\n");
        assertEquals(1.0, plain.topEntropyQuantile());
        assertFalse(plain.entropyMasking());
        assertEquals(1.0, GrpoConfig.parse("e.yaml", "preset: visual-rft\n").topEntropyQuantile());
        GrpoConfig c = GrpoConfig.parse("e.yaml", "top_entropy_quantile: 0.2\n");
        assertEquals(0.2, c.topEntropyQuantile());
        assertTrue(c.entropyMasking());
        assertEquals(0.2, c.asYaml().get("top_entropy_quantile"), "recorded, so a resume with another value is seen");
        assertEquals(1.0, GrpoConfig.parse("e.yaml", "top_entropy_quantile: 1\n").topEntropyQuantile());
        assertTrue(GrpoConfig.parse("e.yaml", "top_entropy_quantile: 0\n").entropyMasking(), "TRL: only the highest");
        assertFault("top_entropy_quantile: 1.5", "'top_entropy_quantile' must be in [0, 1]");
        assertFault("top_entropy_quantile: -0.1", "'top_entropy_quantile' must be in [0, 1]");
        assertFault("top_entropy_quantile: .nan", "'top_entropy_quantile' must be a finite number");
        assertFault("top_entropy_quantile: high", "'top_entropy_quantile' must be a number");
        assertFault("top_entropy_quantile: null", "'top_entropy_quantile' must be a number, got null");
        assertFault("top_entropy_quantil: 0.2", "did you mean 'top_entropy_quantile'?");
        BadInputException e = assertThrows(BadInputException.class,
                () -> SftConfig.parse("s.yaml", "top_entropy_quantile: 0.2"));
        assertTrue(e.fault().contains("top_entropy_quantile"), e.fault());
    }

    @Test
    void metricForBestModelNeedsAnEvaluationAtEveryCheckpoint() {
        String eval = "eval_dataset: e.jsonl\neval_steps: 5\nsave_steps: 10\n";
        assertNull(GrpoConfig.parse("b.yaml", eval).args().metricForBestModel());
        assertNull(GrpoConfig.parse("b.yaml", eval).asYaml().get("greater_is_better"));
        for (String name : new String[] {"detection_map", "eval/detection_map", "eval_detection_map"}) {
            GrpoConfig c = GrpoConfig.parse("b.yaml", eval + "metric_for_best_model: " + name + "\n");
            assertEquals("detection_map", c.args().metricForBestModel(), name);
            assertTrue(c.args().greaterIsBetter(), name);
            assertEquals("eval/detection_map", c.asYaml().get("metric_for_best_model"));
            assertEquals(true, c.asYaml().get("greater_is_better"));
        }
        // Hugging Face's default: lower is better for a loss
        assertEquals(false, GrpoConfig.parse("b.yaml", eval + "metric_for_best_model: eval_loss\n").args()
                .greaterIsBetter());
        assertEquals(false, GrpoConfig.parse("b.yaml", eval + "metric_for_best_model: reward\n"
                + "greater_is_better: false\n").args().greaterIsBetter());
        assertEquals(true, SftConfig.parse("s.yaml", eval + "metric_for_best_model: reward\n").args()
                .greaterIsBetter());
        assertFault("metric_for_best_model: reward", "'metric_for_best_model' needs in-loop evaluation");
        assertFault("eval_dataset: e.jsonl\nmetric_for_best_model: reward", "needs in-loop evaluation");
        assertFault("eval_dataset: e.jsonl\neval_steps: 4\nsave_steps: 10\nmetric_for_best_model: reward",
                "'save_steps' must be a multiple of eval_steps (4) with metric_for_best_model");
        assertFault(eval + "metric_for_best_model: reward\nload_best_model_at_end: true",
                "'load_best_model_at_end' is not supported");
        assertNull(GrpoConfig.parse("b.yaml", eval + "load_best_model_at_end: false\n").args()
                .metricForBestModel());
    }

    @Test
    void schedulesAreHuggingFacesWithTheirWarmUpAndFloor() {
        assertEquals(ScheduleType.CONSTANT_WITH_WARMUP, GrpoConfig.parse("s.yaml",
                "lr_scheduler_type: constant_with_warmup\nwarmup_ratio: 0.1\n").args().lrSchedulerType());
        GrpoConfig rate = GrpoConfig.parse("s.yaml", "learning_rate: 2.0e-5\nlr_scheduler_type: cosine_with_min_lr\n"
                + "lr_scheduler_kwargs: {min_lr_rate: 0.1}\nwarmup_ratio: 0.1\n");
        assertEquals(ScheduleType.COSINE_WITH_MIN_LR, rate.args().lrSchedulerType());
        assertEquals(0.1, rate.args().minLrRate());
        assertEquals(java.util.Map.of("min_lr_rate", 0.1), rate.asYaml().get("lr_scheduler_kwargs"));
        assertEquals(0.25, GrpoConfig.parse("s.yaml", "learning_rate: 2.0e-5\nlr_scheduler_type: cosine_with_min_lr\n"
                + "lr_scheduler_kwargs: {min_lr: 5.0e-6}\n").args().minLrRate(), 1e-15);
        assertNull(GrpoConfig.parse("s.yaml", "seed: 1\n").asYaml().get("lr_scheduler_kwargs"));
        assertFault("lr_scheduler_type: constant\nwarmup_steps: 10", "'lr_scheduler_type' constant has no warm-up");
        assertFault("lr_scheduler_type: constant\nwarmup_ratio: 0.05", "use constant_with_warmup");
        assertFault("lr_scheduler_type: cosine_with_min_lr", "needs one of min_lr and min_lr_rate");
        assertFault("lr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs: {min_lr: 1.0e-7, min_lr_rate: 0.1}",
                "needs one of min_lr and min_lr_rate");
        assertFault("lr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs: {num_cycles: 2}",
                "takes min_lr or min_lr_rate, got 'num_cycles'");
        assertFault("lr_scheduler_type: cosine_with_min_lr\nlr_scheduler_kwargs: {min_lr_rate: 1.5}",
                "min_lr_rate in [0, 1]");
        assertFault("lr_scheduler_kwargs: {min_lr_rate: 0.1}", "only cosine_with_min_lr takes arguments here");
        assertFault("lr_scheduler_kwargs: 3", "must be a mapping");
        assertFault("lr_scheduler_type: polynomial", "must be one of [constant, constant_with_warmup, linear, cosine,"
                + " cosine_with_min_lr]");
    }

    @Test
    void pixelLimitsAreModelSettingsAndThePresetPinsTheScriptsCap() {
        GrpoConfig plain = GrpoConfig.parse("p.yaml", "seed: 1\n");
        assertNull(plain.args().modelArgs().maxPixels());
        assertNull(plain.args().loadOptions(org.visualrft.model.tensor.Device.CPU).maxPixels());
        GrpoConfig preset = GrpoConfig.parse("p.yaml", "preset: visual-rft\n");
        assertEquals(401408, preset.args().modelArgs().maxPixels());
        assertEquals(3136, preset.args().modelArgs().minPixels());
        assertEquals(401408, preset.asYaml().get("max_pixels"));
        org.visualrft.model.policy.LoadOptions o = GrpoConfig.parse("p.yaml", "preset: visual-rft\nmax_pixels: 200704\n"
                + "use_peft: true\n").args().loadOptions(org.visualrft.model.tensor.Device.CPU);
        assertEquals(200704, o.maxPixels());
        assertEquals(3136, o.minPixels());
        assertEquals(50176, SftConfig.parse("s.yaml", "max_pixels: 50176\n").args().modelArgs().maxPixels());
        assertFault("max_pixels: 0", "'max_pixels' must be a positive pixel area");
        assertFault("min_pixels: 5000\nmax_pixels: 4000", "'min_pixels' must not exceed max_pixels (4000)");
        assertFault("max_pixels: many", "max_pixels");
    }

    /** A TRL recipe's keys that do not apply here are refused with why, not as bare unknown settings. */
    @Test
    void trlRecipeKeysAreRefusedWithTheirReasonOrTakenWhenTheyMeanWhatRunsHereDo() {
        assertFault("use_vllm: true", "'use_vllm' is a Hugging Face/TRL setting a run here does not take: rollouts"
                + " run in this trainer's own engine");
        assertFault("model_name_or_path: Qwen/Qwen2-VL-2B-Instruct", "this trainer's key is 'model'");
        assertFault("bf16: true", "the compute dtype is torch_dtype");
        assertFault("push_to_hub: true", "reaches no network");
        assertFault("deepspeed: zero3.json", "--nproc N");
        assertFault("chat_template: \"{{ messages }}\"", "the model folder's own chat template is followed");
        assertFault("num_generation: 8", "unknown setting 'num_generation' (did you mean 'num_generations'?)");
        // what runs here do anyway
        GrpoConfig c = GrpoConfig.parse("t.yaml", "logging_strategy: steps\nsave_strategy: steps\n"
                + "eval_strategy: \"no\"\noptim: adamw_torch\n");
        assertEquals(0, c.args().evalSteps());
        assertEquals(0, GrpoConfig.parse("t.yaml", "eval_strategy: no\n").args().evalSteps()); // YAML: false
        assertFault("save_strategy: epoch", "'save_strategy' a run here counts in optimiser steps: set save_steps");
        assertFault("eval_strategy: \"no\"\neval_steps: 5\neval_dataset: e.jsonl", "eval_steps: 0 turns evaluation off");
        assertFault("optim: adafactor", "'optim' the optimiser here is AdamW");
        BadInputException sft = assertThrows(BadInputException.class, () -> SftConfig.parse("s.yaml", "fp16: true\n"));
        assertTrue(sft.fault().contains("float16 is not supported"), sft.fault());
    }

    /**
     * TRL's repetition_penalty (default 1: off) and min_p (default null: off) are taken, recorded and checked: a bad
     * value is refused naming the key.
     */
    @Test
    void repetitionPenaltyAndMinPAreTakenWithTrlDefaults() {
        GrpoConfig plain = GrpoConfig.parse("t.yaml", "seed: 1\n");
        assertEquals(1.0, plain.repetitionPenalty());
        assertNull(plain.minP());
        assertEquals(1.0, plain.asYaml().get("repetition_penalty"));
        assertTrue(plain.asYaml().containsKey("min_p"));
        GrpoConfig c = GrpoConfig.parse("t.yaml", "repetition_penalty: 1.05\nmin_p: 0.1\n");
        assertEquals(1.05, c.repetitionPenalty());
        assertEquals(0.1, c.minP());
        assertEquals(0.1, c.asYaml().get("min_p"));
        assertNull(GrpoConfig.parse("t.yaml", "min_p: null\n").minP());
        assertEquals(0.8, GrpoConfig.parse("t.yaml", "preset: visual-rft\nrepetition_penalty: 0.8\n")
                .repetitionPenalty());
        assertFault("repetition_penalty: 0", "'repetition_penalty' must be a finite number > 0");
        assertFault("repetition_penalty: -1.2", "'repetition_penalty' must be a finite number > 0");
        assertFault("repetition_penalty: .inf", "'repetition_penalty' must be a finite number");
        assertFault("min_p: 1.5", "'min_p' must be in [0, 1]");
        assertFault("min_p: -0.1", "'min_p' must be in [0, 1]");
        assertFault("min_p: many", "min_p");
    }

    @Test
    void useRsloraScalesByTheRootOfTheRank() {
        GrpoConfig c = GrpoConfig.parse("r.yaml", "use_peft: true\nlora_r: 16\nlora_alpha: 32\nuse_rslora: true\n");
        assertEquals(8.0, c.args().loadOptions(org.visualrft.model.tensor.Device.CPU).lora().scale());
        assertEquals(true, c.asYaml().get("use_rslora"));
        assertEquals(2.0, GrpoConfig.parse("r.yaml", "use_peft: true\nlora_r: 16\nlora_alpha: 32\n").args()
                .loadOptions(org.visualrft.model.tensor.Device.CPU).lora().scale());
        assertEquals(false, GrpoConfig.parse("r.yaml", "seed: 1\n").asYaml().get("use_rslora"));
        assertFault("use_rslora: true", "'use_rslora' only applies with use_peft: true");
    }

    /** `output_dir:` or `model:` with nothing after it (YAML null) is refused, not read as the default. */
    @Test
    void aNullPathIsRefusedNotTakenAsTheDefault() {
        assertFault("output_dir:", "'output_dir' is empty");
        assertFault("model: null", "'model' is empty");
        assertEquals("runs/run", GrpoConfig.parse("n.yaml", "seed: 1\n").args().outputDir());
    }

    @Test
    void saveOnlyModelIsRecordedAndFreeOnResume() {
        assertEquals(false, GrpoConfig.parse("s.yaml", "seed: 1\n").args().saveOnlyModel());
        GrpoConfig c = GrpoConfig.parse("s.yaml", "save_only_model: true\n");
        assertTrue(c.args().saveOnlyModel());
        assertEquals(true, c.asYaml().get("save_only_model"));
        assertTrue(SftConfig.parse("s.yaml", "save_only_model: true\n").args().saveOnlyModel());
    }

    @Test
    void reportToIsNoneOrTensorBoardWithItsFolder() {
        GrpoConfig plain = GrpoConfig.parse("r.yaml", "output_dir: out/a\n");
        assertEquals(List.of(), plain.args().reportTo());
        assertNull(plain.args().tensorBoardDir());
        assertEquals("none", plain.asYaml().get("report_to"));
        for (String v : new String[] {"tensorboard", "[tensorboard]", "all", "TensorBoard", "[all, tensorboard]"}) {
            GrpoConfig c = GrpoConfig.parse("r.yaml", "output_dir: out/a\nreport_to: " + v + "\n");
            assertEquals(List.of("tensorboard"), c.args().reportTo(), v);
            assertEquals(Path.of("out/a/tensorboard"), c.args().tensorBoardDir(), v);
        }
        GrpoConfig placed = GrpoConfig.parse("r.yaml", "report_to: tensorboard\nlogging_dir: tb/run1\n");
        assertEquals(Path.of("tb/run1"), placed.args().tensorBoardDir());
        assertEquals("tb/run1", placed.asYaml().get("logging_dir"));
        assertEquals(List.of("tensorboard"), placed.asYaml().get("report_to"));
        assertEquals(List.of(), GrpoConfig.parse("r.yaml", "report_to: []\n").args().reportTo());
        assertNull(GrpoConfig.parse("r.yaml", "report_to: none\nlogging_dir: tb\n").args().tensorBoardDir());
        assertEquals(List.of("tensorboard"), SftConfig.parse("s.yaml", "report_to: tensorboard\n").args().reportTo());
        assertFault("report_to: wandb", "'report_to' 'wandb' is not available: a run here reaches no online service");
        assertFault("report_to: [tensorboard, mlflow]", "'mlflow' is not available");
        assertFault("report_to: tensorbored", "must be none, tensorboard, all, or a list of them, got 'tensorbored'");
        assertFault("report_to: [none, tensorboard]", "'none' cannot be listed with other integrations");
        assertFault("report_to: {a: 1}", "must be a list of names");
    }

    @Test
    void systemPromptIsNoneByDefaultAndRecorded() {
        GrpoConfig plain = GrpoConfig.parse("s.yaml", "seed: 1\n");
        assertNull(plain.args().systemPrompt());
        assertTrue(plain.asYaml().containsKey("system_prompt"));
        assertNull(plain.asYaml().get("system_prompt"));
        GrpoConfig c = GrpoConfig.parse("s.yaml", "system_prompt: \"A conversation between User and Assistant.\"\n");
        assertEquals("A conversation between User and Assistant.", c.args().systemPrompt());
        assertEquals("A conversation between User and Assistant.", c.asYaml().get("system_prompt"));
        assertEquals("x", SftConfig.parse("s.yaml", "system_prompt: x\n").args().systemPrompt());
        assertFault("system_prompt: [a, b]", "must be a string");
    }

    private static void assertFault(String yaml, String mention) {
        BadInputException e = assertThrows(BadInputException.class, () -> GrpoConfig.parse("x.yaml", yaml), yaml);
        assertEquals("x.yaml", e.source());
        assertTrue(e.fault().contains(mention), e.fault());
    }
}
