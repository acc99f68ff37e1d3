package org.visualrft.train.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.Limits;

/**
 * A GRPO run, read from YAML with TRL {@code GRPOConfig}'s field names. Defaults are TRL 0.14's, which are what
 * Visual-RFT ran with (docs/original-code.md, "Settings of the released scripts"); {@code preset: visual-rft} additionally pins every setting the original's behaviour
 * depends on, so later default changes (traps T1, T2) cannot creep in.
 *
 * @param repetitionPenalty Hugging Face's {@code repetition_penalty} on the rollouts' draws: the logit of every id
 *                          already in the row (prompt, image pads included, and completion so far) divided by it when
 *                          positive, multiplied when negative (1: off, TRL's default); the log-probs stay the model's
 * @param minP {@code min_p}: drop tokens below min_p times the most likely one's probability, after top-p; null (TRL's
 *             default): off
 * @param maxPromptLength longest prompt in positions, image tokens included; null (the default): no limit. A longer
 *                        prompt is an error naming the record before the run starts, or skipped and counted with
 *                        {@code skip_bad_rows}; prompts are never truncated
 * @param epsilon lower clip range ε_low; null turns clipping off (Visual-RFT: no clipping)
 * @param epsilonHigh upper clip range ε_high; null means equal to epsilon
 * @param numIterations μ: optimiser passes over each generated batch (1: Visual-RFT)
 * @param dynamicSampling drop groups whose rewards do not vary and refill from the next prompts (DAPO)
 * @param maxDynamicSamplingRounds how many extra batches of prompts a step may draw to refill
 * @param rewardFuncs reward function names from the reward registry
 * @param rewardWeights one weight per function (default all 1)
 * @param rewardMode {@code visual-rft} (the original's rules) or {@code strict}
 * @param rolloutBatchGroups how many prompts' groups one batched decode samples (1: one prompt after another);
 *                           changes the results through float rounding only, never through the number of ranks
 * @param maskTruncatedCompletions leave completions that hit max_completion_length without an end token out of the
 *                                 loss (DAPO); their rewards still count in their group's advantages
 * @param importanceSampling the policy ratio per token (GRPO) or per completion (GSPO)
 * @param delta with clipping, the cap on the unclipped ratio (two-sided clipping, INTELLECT-2); null: none
 * @param logCompletions write every completion of a step with its rewards and advantage to completions.jsonl
 * @param referenceSync {@code sync_ref_model}: how the KL reference follows the policy; null (the default): it stays
 *                      the starting model
 * @param topEntropyQuantile ρ of {@code top_entropy_quantile} ("Beyond the 80/20 Rule", TRL's definition): only the
 *                           loss tokens whose entropy is in the top ρ of their micro-batch's keep their policy term;
 *                           1 (the default): every token, 0: only the highest
 */
public record GrpoConfig(
        TrainingArguments args,
        int numGenerations, double beta, int maxCompletionLength, Integer maxPromptLength,
        double temperature, int topK, double topP, double repetitionPenalty, Double minP,
        Double epsilon, Double epsilonHigh, int numIterations,
        LossAggregation lossType, AdvantageMode scaleRewards,
        boolean dynamicSampling, int maxDynamicSamplingRounds,
        List<String> rewardFuncs, List<Double> rewardWeights, String rewardMode, String preset,
        int rolloutBatchGroups, boolean maskTruncatedCompletions, ImportanceSampling importanceSampling, Double delta,
        boolean logCompletions, ReferenceSync referenceSync, double topEntropyQuantile) {

    /** The std_eps of the advantage: {@code (r - mean) / (std + 1e-4)}. */
    public static final double STD_EPS = 1e-4;

    static final List<String> KEYS = List.of("preset", "num_generations", "beta", "max_completion_length",
            "max_prompt_length", "temperature", "top_k", "top_p", "repetition_penalty", "min_p", "epsilon", "epsilon_high", "num_iterations",
            "loss_type", "scale_rewards", "dynamic_sampling", "max_dynamic_sampling_rounds", "reward_funcs",
            "reward_weights", "reward_mode", "rollout_batch_groups", "mask_truncated_completions",
            "importance_sampling_level", "delta", "log_completions", "sync_ref_model", "ref_model_mixup_alpha",
            "ref_model_sync_steps", "top_entropy_quantile");

    public static final List<String> PRESETS = List.of("visual-rft");

    /** Reads and checks a config file; faults name the file and the setting. */
    public static GrpoConfig load(Path file) {
        return read(YamlFields.parse(file));
    }

    /** Reads YAML text (the source names it in faults). */
    public static GrpoConfig parse(String source, String yaml) {
        return read(YamlFields.parse(source, yaml));
    }

    static GrpoConfig read(YamlFields user) {
        String preset = user.has("preset") ? user.string("preset", null) : null;
        YamlFields y = user;
        if (preset != null) {
            if (!PRESETS.contains(preset)) {
                throw user.fault("preset", "must be one of " + PRESETS + ", got '" + preset + "'");
            }
            y = YamlFields.parseResource("/org/visualrft/train/presets/grpo-" + preset + ".yaml").overlaidBy(user);
            y.string("preset", null);
        }
        TrainingArguments args = TrainingArguments.read(y, 1e-6);
        int g = y.integer("num_generations", 8);
        double beta = y.number("beta", 0.04);
        int maxCompletion = y.integer("max_completion_length", 256);
        Integer maxPrompt = y.nullableInteger("max_prompt_length", null);
        double temperature = y.number("temperature", 1.0);
        int topK = y.integer("top_k", 50);
        double topP = y.number("top_p", 1.0);
        double repetitionPenalty = y.number("repetition_penalty", 1.0);
        Double minP = y.nullableNumber("min_p", null);
        Double eps = y.nullableNumber("epsilon", null);
        Double epsHigh = y.nullableNumber("epsilon_high", null);
        int mu = y.integer("num_iterations", 1);
        String lt = y.choice("loss_type", "seq_mean_token_mean", LossAggregation.NAMES);
        LossAggregation loss = LossAggregation.parse(lt);
        AdvantageMode adv = scaleRewards(y, y.any("scale_rewards"));
        boolean dyn = y.bool("dynamic_sampling", false);
        int dynRounds = y.integer("max_dynamic_sampling_rounds", 3);
        List<String> funcs = y.strings("reward_funcs", List.of());
        List<Double> weights = y.numbers("reward_weights", null);
        String mode = y.choice("reward_mode", "visual-rft", List.of("visual-rft", "strict"));
        int batchGroups = y.integer("rollout_batch_groups", 1);
        boolean maskTruncated = y.bool("mask_truncated_completions", false);
        ImportanceSampling sampling = ImportanceSampling.parse(y.choice("importance_sampling_level", "token",
                ImportanceSampling.NAMES));
        Double delta = y.nullableNumber("delta", null);
        boolean logCompletions = y.bool("log_completions", false);
        boolean sync = y.bool("sync_ref_model", false);
        double alpha = y.number("ref_model_mixup_alpha", ReferenceSync.DEFAULT_ALPHA);
        int syncSteps = y.integer("ref_model_sync_steps", ReferenceSync.DEFAULT_STEPS);
        double topEntropy = y.number("top_entropy_quantile", 1.0);

        List<String> known = new ArrayList<>(TrainingArguments.KEYS);
        known.addAll(KEYS);
        y.rejectUnread(known);

        if (g < 2) {
            throw y.fault("num_generations",
                    "must be at least 2 (advantages compare samples within a group), got " + g);
        }
        if (Limits.generationsFault(g, 2) != null) {
            throw y.fault("num_generations", Limits.generationsFault(g, 2));
        }
        TrainingArguments.positive(y, "beta", beta, true);
        TrainingArguments.tokens(y, "max_completion_length", maxCompletion);
        if (maxPrompt != null) {
            TrainingArguments.tokens(y, "max_prompt_length", maxPrompt);
        }
        if (!(temperature > 0)) {
            throw y.fault("temperature", "must be positive, got " + temperature);
        }
        if (topK < 0) {
            throw y.fault("top_k", "must be 0 (off) or more, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw y.fault("top_p", "must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw y.fault("repetition_penalty", "must be a finite number > 0 (1: off), got " + repetitionPenalty);
        }
        if (minP != null && !(minP >= 0 && minP <= 1)) {
            throw y.fault("min_p", "must be in [0, 1] or null (off), got " + minP);
        }
        if (eps != null && !(eps > 0 && eps < 1)) {
            throw y.fault("epsilon", "must be in (0, 1) or null (no clipping), got " + eps);
        }
        if (epsHigh != null && eps == null) {
            throw y.fault("epsilon_high", "needs epsilon (the lower clip range) to be set");
        }
        if (epsHigh != null && !(epsHigh > 0)) {
            throw y.fault("epsilon_high", "must be positive, got " + epsHigh);
        }
        if (delta != null && eps == null) {
            throw y.fault("delta", "caps the ratio of the clipped objective: it needs epsilon to be set");
        }
        if (delta != null && !(delta > 1)) {
            throw y.fault("delta", "must be greater than 1 (the ratio's upper cap), got " + delta);
        }
        if (mu < 1 || mu > 1024) {
            throw y.fault("num_iterations", "must be between 1 and 1024, got " + mu);
        }
        if (dynRounds < 0 || dynRounds > 1024) {
            throw y.fault("max_dynamic_sampling_rounds", "must be between 0 and 1024, got " + dynRounds);
        }
        if (batchGroups < 1 || batchGroups > 1024) {
            throw y.fault("rollout_batch_groups", "must be between 1 and 1024, got " + batchGroups);
        }
        if (!(topEntropy >= 0 && topEntropy <= 1)) {
            throw y.fault("top_entropy_quantile", "must be in [0, 1] (the share of completion tokens, by entropy, whose"
                    + " policy term counts; 1 keeps all), got " + topEntropy);
        }
        if (weights != null && funcs.isEmpty()) {
            throw y.fault("reward_weights", "needs reward_funcs: without it each example's task picks its own list of "
                    + "rewards, so there is no one list to weight; name the rewards in reward_funcs");
        }
        if (weights != null && weights.size() != funcs.size()) {
            throw y.fault("reward_weights", "has " + weights.size() + " weights for " + funcs.size()
                    + " reward_funcs");
        }
        if (!sync) {
            for (String k : new String[] {"ref_model_mixup_alpha", "ref_model_sync_steps"}) {
                if (y.has(k)) {
                    throw y.fault(k, "only applies with sync_ref_model: true");
                }
            }
        } else {
            if (beta == 0) {
                throw y.fault("sync_ref_model", "needs a KL reference: with beta: 0 there is none");
            }
            if (args.modelArgs().usePeft()) {
                throw y.fault("sync_ref_model", "is not possible with use_peft: true (the reference is the base model"
                        + " with the adapters off, not a copy that can move); TRL refuses it too");
            }
            if (!(alpha > 0 && alpha <= 1)) {
                throw y.fault("ref_model_mixup_alpha", "must be in (0, 1], got " + alpha);
            }
            if (syncSteps < 1) {
                throw y.fault("ref_model_sync_steps", "must be at least 1, got " + syncSteps);
            }
        }
        if (weights == null) {
            List<Double> ones = new ArrayList<>();
            for (int i = 0; i < funcs.size(); i++) {
                ones.add(1.0);
            }
            weights = List.copyOf(ones);
        }
        return new GrpoConfig(args, g, beta, maxCompletion, maxPrompt, temperature, topK, topP, repetitionPenalty, minP,
                eps, epsHigh, mu, loss, adv, dyn, dynRounds, funcs, weights, mode, preset, batchGroups, maskTruncated,
                sampling, delta, logCompletions, sync ? new ReferenceSync(alpha, syncSteps) : null, topEntropy);
    }

    private static AdvantageMode scaleRewards(YamlFields y, Object v) {
        if (v == null) {
            return AdvantageMode.STD;
        }
        if (v instanceof Boolean b) {
            return b ? AdvantageMode.STD : AdvantageMode.MEAN_ONLY;
        }
        if (v instanceof String s) {
            switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "std", "group", "true":
                    return AdvantageMode.STD;
                case "mean_only", "none", "false":
                    return AdvantageMode.MEAN_ONLY;
                case "batch":
                    return AdvantageMode.BATCH;
                default:
                    break;
            }
        }
        throw y.fault("scale_rewards", "must be true/false, std/mean_only, group/none or batch, got " + v);
    }

    /** Whether top_entropy_quantile leaves some tokens' policy term out of the loss (ρ below 1). */
    public boolean entropyMasking() {
        return topEntropyQuantile < 1.0;
    }

    /** Whether the PPO-style clipped objective is on. */
    public boolean clipping() {
        return epsilon != null;
    }

    /** ε_high, defaulting to ε_low. */
    public double epsilonHighOrLow() {
        return epsilonHigh != null ? epsilonHigh : epsilon;
    }

    /** The resolved settings with YAML names (what provenance records). */
    public Map<String, Object> asYaml() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", preset);
        m.putAll(args.asYaml());
        m.put("num_generations", numGenerations);
        m.put("beta", beta);
        m.put("max_completion_length", maxCompletionLength);
        m.put("max_prompt_length", maxPromptLength);
        m.put("temperature", temperature);
        m.put("top_k", topK);
        m.put("top_p", topP);
        m.put("repetition_penalty", repetitionPenalty);
        m.put("min_p", minP);
        m.put("epsilon", epsilon);
        m.put("epsilon_high", epsilonHigh);
        m.put("num_iterations", numIterations);
        m.put("loss_type", lossType.yamlName());
        m.put("scale_rewards", scaleRewards.yamlName());
        m.put("dynamic_sampling", dynamicSampling);
        m.put("max_dynamic_sampling_rounds", maxDynamicSamplingRounds);
        m.put("reward_funcs", rewardFuncs);
        m.put("reward_weights", rewardWeights);
        m.put("reward_mode", rewardMode);
        m.put("rollout_batch_groups", rolloutBatchGroups);
        m.put("mask_truncated_completions", maskTruncatedCompletions);
        m.put("importance_sampling_level", importanceSampling.yamlName());
        m.put("delta", delta);
        m.put("log_completions", logCompletions);
        m.put("sync_ref_model", referenceSync != null);
        m.put("ref_model_mixup_alpha", referenceSync != null ? referenceSync.mixupAlpha() : null);
        m.put("ref_model_sync_steps", referenceSync != null ? referenceSync.syncSteps() : null);
        m.put("top_entropy_quantile", topEntropyQuantile);
        return m;
    }
}
