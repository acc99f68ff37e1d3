package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.Limits;
import org.visualrft.model.policy.GenerationConfig;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Samples answers of a model folder (built-in vrft-tiny, Qwen2-VL, Qwen2.5-VL or Qwen3-VL) for one image and prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description = "Sample answers of a model for an image and a prompt.")
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder: config.json, model.safetensors, tokenizer.json.")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA folder (adapter_config.json,"
            + " adapter_model.safetensors) to put over --model, e.g. one trained with TRL/PEFT.")
    Path adapter;

    @Option(names = "--image", required = true, paramLabel = "PNG", description = "Image file (PNG or JPEG).")
    Path image;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The question.")
    String prompt;

    @Option(names = "--system-prompt", paramLabel = "TEXT", description = "A system message before the question, as"
            + " the chat template renders one (Qwen families; ordinary text, never control tokens; default: none, the"
            + " template's own default).")
    String systemPrompt;

    @Option(names = "--samples", defaultValue = "1", paramLabel = "G",
            description = "Answers to sample (one prefill, G decodes; default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--temperature", defaultValue = "1.0", paramLabel = "T",
            description = "Sampling temperature, 0 = greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "50", paramLabel = "K",
            description = "Keep the K most likely tokens (and any tied with the K-th, as Hugging Face), 0 = all (default"
                    + " ${DEFAULT-VALUE}, as Visual-RFT).")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", paramLabel = "P",
            description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--min-p", defaultValue = "0", paramLabel = "P",
            description = "After top-p, drop tokens less likely than P times the most likely one, as Hugging Face's"
                    + " min_p; 0 = off (default ${DEFAULT-VALUE}).")
    double minP;

    @Mixin
    RepetitionPenaltyOption repetitionPenalty;

    @Option(names = "--generation-config", paramLabel = "folder|greedy",
            description = "Instead of --temperature/--top-k/--top-p/--min-p: folder decodes as Hugging Face generate "
                    + "does with the model folder's generation_config.json (do_sample false or no file: greedy; its "
                    + "repetition_penalty unless --repetition-penalty is given); greedy decodes greedily.")
    String generationConfig;

    @Option(names = "--max-new-tokens", defaultValue = "256", paramLabel = "N",
            description = "Stop after N tokens without EOS (default ${DEFAULT-VALUE}, TRL's).")
    int maxNewTokens;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the sampler; the same seed repeats the answers (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "libtorch intra-op threads (default ${DEFAULT-VALUE}: fastest for small models on few cores).")
    int threads;

    @Mixin
    DeviceOption device;

    @Mixin
    PixelOptions pixels;

    /** --generation-config: the folder's file or greedy, --repetition-penalty (given) on top; no sampling options. */
    private SamplingParams fromGenerationConfig() {
        for (String o : new String[] {"--temperature", "--top-k", "--top-p", "--min-p"}) {
            if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                throw new IllegalArgumentException(o + " and --generation-config exclude each other (the file or "
                        + "greedy decides the sampling)");
            }
        }
        SamplingParams p = switch (generationConfig) {
            case "folder" -> GenerationConfig.ofFolder(model).sampling(maxNewTokens);
            case "greedy" -> SamplingParams.greedy(maxNewTokens);
            default -> throw new IllegalArgumentException("--generation-config must be folder or greedy, got '"
                    + generationConfig + "'");
        };
        return repetitionPenalty.given() || generationConfig.equals("greedy") ? new SamplingParams(p.temperature(),
                p.topK(), p.topP(), maxNewTokens, repetitionPenalty.value(), p.minP()) : p;
    }

    @Override
    public Integer call() {
        SamplingParams params;
        Device dev;
        LoadOptions options;
        try {
            String fault = Limits.generationsFault(samples, 1);
            if (fault != null) {
                throw new IllegalArgumentException("--samples " + fault);
            }
            if (maxNewTokens > Limits.MAX_TOKENS) {
                throw new IllegalArgumentException("--max-new-tokens must be at most " + Limits.MAX_TOKENS + ", got "
                        + maxNewTokens);
            }
            fault = Limits.threadsFault(threads);
            if (fault != null) {
                throw new IllegalArgumentException("--threads " + fault);
            }
            if (!(minP >= 0 && minP <= 1)) {
                throw new IllegalArgumentException("--min-p must be in [0, 1] (0: off), got " + minP);
            }
            params = generationConfig == null
                    ? new SamplingParams(temperature, topK, topP, maxNewTokens, repetitionPenalty.value(), minP)
                    : fromGenerationConfig();
            dev = device.parse(); // an unknown name is a usage error (exit 2) like the other options
            options = pixels.given() || adapter != null ? pixels.applyTo(LoadOptions.on(dev)) : null;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Image img = Image.read(image);
        Engine.setThreads(threads);
        PrintWriter out = spec.commandLine().getOut();
        // pixel limits: the folder opened with exactly these options (its dtype, no adapters); else its defaults
        try (Policy policy = adapter != null ? ModelLoader.load(model, options, adapter)
                : options != null ? ModelLoader.load(model, options) : ModelLoader.load(model, dev)) {
            long t0 = System.nanoTime();
            List<Rollout> rollouts;
            Prompt p = new Prompt(img, prompt, systemPrompt);
            int room;
            try {
                room = policy.contextLength() - policy.promptLength(p);
            } catch (IllegalArgumentException e) { // e.g. a system message the model cannot take
                throw new BadInputException((String) null, e.getMessage(), e);
            }
            if (maxNewTokens > room && spec.commandLine().getParseResult().hasMatchedOption("--max-new-tokens")) {
                throw new BadInputException("--max-new-tokens", maxNewTokens + " new tokens do not fit: the model"
                        + " holds " + policy.contextLength() + " positions (max_position_embeddings) and the prompt"
                        + " takes " + policy.promptLength(p) + ", leaving " + Math.max(room, 0));
            }
            try {
                rollouts = policy.generate(p, samples, params, new SplittableRandom(seed));
            } catch (IllegalArgumentException e) {
                // e.g. prompt + max new tokens longer than the model's positions, an image the model cannot take
                throw new BadInputException((String) null, e.getMessage(), e);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            long tokens = 0;
            for (int i = 0; i < rollouts.size(); i++) {
                Rollout r = rollouts.get(i);
                tokens += r.length();
                double sum = 0;
                for (float lp : r.logProbs()) {
                    sum += lp;
                }
                out.printf(Locale.ROOT, "[%d] %s%n", i + 1, r.text());
                out.printf(Locale.ROOT, "    %d tokens%s, log-prob %.3f%n", r.length(),
                        r.endedWithEos() ? "" : " (length limit)", sum);
            }
            // below 10 tokens/s two decimals: a slow run (a large image's vision tower) is not "0 tokens/s"
            double rate = tokens / Math.max(seconds, 1e-9);
            out.printf(Locale.ROOT, "%d samples, %d tokens in %.2f s (" + (rate < 10 ? "%.2f" : "%.0f") + " tokens/s)%n",
                    rollouts.size(), tokens, seconds, rate);
            out.flush();
        }
        return ExitCodes.OK;
    }
}
