package org.visualrft.train.config;

import java.util.Map;

/**
 * Hugging Face {@code TrainingArguments} and TRL settings that a run here does not take, each with why and what to
 * write instead: a config copied from a TRL recipe is refused on its first such key with that reason, not with a bare
 * "unknown setting" (and never silently ignored).
 */
final class ForeignSettings {
    private static final String NETWORK = "a run here reaches no network";
    private static final String DISTRIBUTED = "data parallel here is PyTorch's c10d: --nproc N (or a torchrun-style"
            + " launcher), --dist-timeout, and zero_stage: 1 to shard AdamW's state";
    private static final String CONSOLE = "the console shows one progress line and metrics.jsonl every number"
            + " (report_to: tensorboard adds event files)";
    private static final String ROLLOUTS = "rollouts run in this trainer's own engine (on a GPU a static KV cache with"
            + " the decode step replayed as a CUDA graph); rollout_batch_groups batches prompts";
    private static final String DATA = "data are read and images decoded on demand by the trainer itself";
    private static final String SFT_EXAMPLES = "SFT runs each example as its own sequence (a micro-batch is one"
            + " padded forward, padding masked out of the loss)";
    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry("model_name_or_path", "this trainer's key is 'model': a local model folder"),
            Map.entry("dataset_name", "'dataset' and 'eval_dataset' name local JSON Lines or parquet files, folders or"
                    + " globs; nothing is downloaded"),
            Map.entry("dataset_config", "'dataset' names local files; nothing is downloaded"),
            Map.entry("dataset_train_split", "'dataset' names the training files"),
            Map.entry("dataset_test_split", "'eval_dataset' names the evaluation files"),
            Map.entry("bf16", "the compute dtype is torch_dtype: bfloat16 or float32"),
            Map.entry("fp16", "the compute dtype is torch_dtype: bfloat16 or float32 (float16 is not supported)"),
            Map.entry("tf32", "the compute dtype is torch_dtype: bfloat16 or float32"),
            Map.entry("use_vllm", ROLLOUTS),
            Map.entry("vllm_mode", ROLLOUTS),
            Map.entry("vllm_gpu_memory_utilization", ROLLOUTS),
            Map.entry("vllm_server_host", ROLLOUTS),
            Map.entry("vllm_server_port", ROLLOUTS),
            Map.entry("vllm_tensor_parallel_size", ROLLOUTS),
            Map.entry("use_transformers_paged", ROLLOUTS),
            Map.entry("cache_implementation", ROLLOUTS),
            Map.entry("chat_template", "the model folder's own chat template is followed (chat_template.jinja,"
                    + " chat_template.json or tokenizer_config.json's, as transformers reads it): put the template"
                    + " there; system_prompt adds a system message"),
            Map.entry("generation_batch_size", "each step samples its own prompts' groups (per_device_train_batch_size ×"
                    + " gradient_accumulation_steps); num_iterations reuses them for more updates"),
            Map.entry("steps_per_generation", "each step samples its own prompts' groups; num_iterations reuses them"
                    + " for more updates"),
            Map.entry("generation_kwargs", "sampling takes temperature, top_k, top_p, min_p, repetition_penalty and"
                    + " max_completion_length"),
            Map.entry("push_to_hub", NETWORK),
            Map.entry("hub_model_id", NETWORK),
            Map.entry("hub_strategy", NETWORK),
            Map.entry("hub_token", NETWORK),
            Map.entry("hub_private_repo", NETWORK),
            Map.entry("run_name", "it names a run for an online tracker; a run here is its output_dir"),
            Map.entry("overwrite_output_dir", "a run never overwrites output_dir: --resume continues it, another"
                    + " output_dir starts afresh"),
            Map.entry("gradient_checkpointing_kwargs", "gradient_checkpointing: true is all it takes here"),
            Map.entry("attn_implementation", "the attention kernel follows the device (libtorch's fused attention on"
                    + " a GPU)"),
            Map.entry("per_device_eval_batch_size", "in-loop evaluation answers one record at a time; visual-rft"
                    + " evaluate --batch N batches"),
            Map.entry("dataloader_num_workers", DATA),
            Map.entry("dataloader_pin_memory", DATA),
            Map.entry("dataloader_drop_last", DATA),
            Map.entry("remove_unused_columns", "columns are read by name (image_column, problem_column,"
                    + " solution_column); the others are never loaded"),
            Map.entry("shuffle_dataset", "the data order is always a seeded shuffle per epoch"),
            Map.entry("data_seed", "every random choice of a run derives from seed"),
            Map.entry("ddp_find_unused_parameters", DISTRIBUTED),
            Map.entry("ddp_timeout", DISTRIBUTED),
            Map.entry("ddp_backend", DISTRIBUTED),
            Map.entry("deepspeed", DISTRIBUTED),
            Map.entry("fsdp", DISTRIBUTED),
            Map.entry("fsdp_config", DISTRIBUTED),
            Map.entry("ds3_gather_for_generation", DISTRIBUTED),
            Map.entry("log_level", CONSOLE),
            Map.entry("disable_tqdm", CONSOLE),
            Map.entry("log_on_each_node", CONSOLE),
            Map.entry("logging_first_step", CONSOLE + "; logging_steps: 1 logs every step"),
            Map.entry("num_completions_to_print", "log_completions: true writes every completion to"
                    + " completions.jsonl"),
            Map.entry("wandb_log_unique_prompts", "log_completions: true writes every completion to completions.jsonl"),
            Map.entry("use_liger_loss", "the loss is computed in float64 from the policy's log-probs"),
            Map.entry("max_seq_length", "SFT's max_length here is the longest target in tokens (a longer one is a data"
                    + " error, never cut); prompt and target together are checked against the model's"
                    + " max_position_embeddings"),
            Map.entry("packing", SFT_EXAMPLES),
            Map.entry("padding_free", SFT_EXAMPLES),
            Map.entry("dataset_text_field", "SFT trains on each record's solution (sft_target: with_thinking puts its"
                    + " thinking column first), after its image and problem as the prompt"),
            Map.entry("assistant_only_loss", "the SFT loss is on the target (the assistant's answer) only:"
                    + " completion_only_loss: true"),
            Map.entry("neftune_noise_alpha", "NEFTune's embedding noise is not implemented"),
            Map.entry("loss_type", "SFT's loss is the token cross-entropy of the target (TRL's nll), averaged over the"
                    + " step's target tokens; loss_type is a GRPO setting here"));

    private ForeignSettings() {
    }

    /** Why {@code key} is not taken here, or null when it is not a known Hugging Face or TRL setting. */
    static String reason(String key) {
        return REASONS.get(key);
    }
}
