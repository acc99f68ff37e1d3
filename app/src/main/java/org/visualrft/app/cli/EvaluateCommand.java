package org.visualrft.app.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.Limits;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.core.io.OutputPaths;
import org.visualrft.core.reward.RewardBreakdown;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.GenerationConfig;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.train.EvaluationProtocol;
import org.visualrft.train.ModelEvaluation;
import org.visualrft.train.RewardEval;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.data.parquet.ColumnNames;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code visual-rft evaluate --model DIR --dataset DATA}: a model's answers to a dataset (greedy, or as the paper's
 * evaluation scripts asked and decoded: {@code --protocol visual-rft}), scored as a training run's in-loop evaluation
 * scores them; prints the metrics and can keep the answers (as the reward command's input) and the metrics (JSON).
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description = {
        "Evaluate a model (a base model or a checkpoint) on a dataset: greedy answers, the reward functions' means, "
                + "classification accuracy, grounding mIoU and detection mAP, as in-loop evaluation reports them.",
        "--protocol visual-rft asks and decodes as the paper's evaluation scripts did."})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model folder: a base model or a checkpoint (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA folder (adapter_config.json,"
            + " adapter_model.safetensors) to put over --model, e.g. one trained with TRL/PEFT.")
    Path adapter;

    @Option(names = "--dataset", required = true, paramLabel = "DATA",
            description = "ViRFT JSON Lines, a parquet file, a folder of parquet shards or a glob (as a config's dataset:).")
    String dataset;

    @Option(names = "--image-column", defaultValue = "image", paramLabel = "NAME",
            description = "Parquet column of the images (default ${DEFAULT-VALUE}).")
    String imageColumn;

    @Option(names = "--problem-column", defaultValue = "problem", paramLabel = "NAME",
            description = "Parquet column of the questions (default ${DEFAULT-VALUE}).")
    String problemColumn;

    @Option(names = "--solution-column", defaultValue = "solution", paramLabel = "NAME",
            description = "Parquet column of the solutions (default ${DEFAULT-VALUE}).")
    String solutionColumn;

    @Option(names = "--skip-bad-rows", description = "Skip (and count) parquet rows with a fault (null "
            + "solution, corrupt or missing image) instead of failing, as a config's skip_bad_rows; a faulty JSON Lines "
            + "record is always an error.")
    boolean skipBadRows;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Evaluate the first N records only (default ${DEFAULT-VALUE}: all).")
    int limit;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N",
            description = "Records answered in one batched decode (default ${DEFAULT-VALUE}; 1: one at a time, as "
                    + "in-loop evaluation; the answers agree up to float rounding).")
    int batch;

    @Option(names = "--protocol", defaultValue = "default", paramLabel = "NAME",
            description = "default: the questions as the dataset has them, greedy answers, up to 256 tokens, strict "
                    + "rewards. visual-rft: as the paper's evaluation scripts: a literal '<image>' line before each "
                    + "question (grounding: as the LISA script, the R1 system prompt and its question text, the box "
                    + "read from the whole decoded text), decoding from the model folder's generation_config.json (--generation-config "
                    + "folder), up to 1024 new tokens (grounding 128), reward mode visual-rft. Those options, given "
                    + "explicitly, win (default ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--system-prompt", paramLabel = "TEXT",
            description = "A system message before every record's question, as the chat template renders one (Qwen "
                    + "families; ordinary text, never control tokens). Default: none (the template's own), except "
                    + "grounding records under --protocol visual-rft, which get the LISA script's R1 system prompt.")
    String systemPrompt;

    @Option(names = "--generation-config", paramLabel = "folder|greedy",
            description = "folder: decode as Hugging Face generate does with the model folder's generation_config.json"
                    + " (do_sample false: greedy; true: its temperature, top_k, top_p, min_p; its repetition_penalty "
                    + "either way; no file: greedy); greedy: greedy (default: greedy, with --protocol visual-rft folder)"
                    + ".")
    String generationConfig;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seed of the answers' sampling when the generation config samples; each record draws from "
                    + "its own stream (the seed and its index), so the answers do not depend on --batch (default "
                    + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--max-new-tokens", paramLabel = "N",
            description = "Longest answer in tokens, for every task (default 256, as max_completion_length; with "
                    + "--protocol visual-rft 1024 and grounding 128).")
    Integer maxNewTokens;

    @Mixin
    RepetitionPenaltyOption repetitionPenalty;

    @Option(names = "--rewards", paramLabel = "SPEC", description = "Reward functions with optional weights, as the "
            + "reward command takes them, e.g. iou_hungarian,confidence:0.5,format; default: each task's own set.")
    String rewards;

    @Option(names = "--reward-mode", paramLabel = "MODE",
            description = "strict or visual-rft (default strict; with --protocol visual-rft, visual-rft).")
    String rewardMode;

    @Mixin
    DeviceOption device;

    @Option(names = "--torch-dtype", defaultValue = "auto", paramLabel = "DTYPE",
            description = "auto (the folder's config.json), bfloat16 or float32 (default ${DEFAULT-VALUE}).")
    String torchDtype;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
            description = "libtorch intra-op threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--answers", paramLabel = "OUT.jsonl", description = "Write every answer here (atomically), one "
            + "JSON object per record: id, task, problem, completion, solution, image_size, rewards, reward; the "
            + "reward command reads it.")
    Path answers;

    @Option(names = "--json", paramLabel = "OUT.json",
            description = "Also write the metrics, the model and the dataset here (atomically).")
    Path json;

    /** What request() resolved: the protocol and where the decoding settings came from (for the output). */
    private EvaluationProtocol resolvedProtocol;
    private String generationSource;

    @Override
    public Integer call() throws IOException {
        ModelEvaluation.Request request = request();
        Map<String, Path> inputs = new LinkedHashMap<>();
        inputs.put("--model", model);
        inputs.put("--dataset", Path.of(dataset));
        for (Path out : new Path[] {answers, json}) {
            if (out != null) {
                String option = out == answers ? "--answers" : "--json";
                OutputPaths.requireFileTarget(option, out);
                OutputPaths.refuseOverwritingInput(option, out, inputs);
                java.util.Map<String, Path> folders = new LinkedHashMap<>();
                folders.put("--model", model);
                folders.put("--adapter", adapter);
                OutputPaths.refuseWritingIntoFolder(option, out, folders);
            }
        }
        if (answers != null && answers.toAbsolutePath().normalize().equals(
                json == null ? null : json.toAbsolutePath().normalize())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--answers and --json name the same file");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(decodingLine(request));
        out.flush();
        PrintStream err = System.err;
        // the answers are kept in memory as JSON lines and written at the end, so nothing half-written is left
        ByteArrayOutputStream answerLines = answers == null ? null : new ByteArrayOutputStream();
        JsonFactory jsonFactory = new JsonFactory();
        long t0 = System.nanoTime();
        int[] done = {0};
        ModelEvaluation.Result result = ModelEvaluation.run(request, (ex, answer, rewards) -> {
            if (answerLines != null) {
                writeAnswer(jsonFactory, answerLines, ex, answer, rewards);
            }
            done[0]++;
            if (done[0] % 50 == 0) {
                err.printf(Locale.ROOT, "evaluate: %d records, %.1f s%n", done[0], (System.nanoTime() - t0) / 1e9);
            }
        }, err);
        double seconds = (System.nanoTime() - t0) / 1e9;
        SamplingParams params = request.decoding().params();
        out.printf(Locale.ROOT, "%s on %s: %d records in %.1f s (%s%s, up to %d new tokens%s, %s rewards)%n", model,
                dataset, result.metrics().getOrDefault("examples", 0.0).intValue(), seconds,
                params.isGreedy() ? "greedy" : "sampled", !params.penalisesRepetition() ? ""
                        : String.format(Locale.ROOT, ", repetition penalty %s", params.repetitionPenalty()),
                params.maxNewTokens(), taskLimits(request.decoding()), request.rewardMode());
        if (result.skippedBadRows() > 0) {
            out.printf(Locale.ROOT, "skipped %d bad records (--skip-bad-rows)%n", result.skippedBadRows());
        }
        int width = 0;
        for (String k : result.metrics().keySet()) {
            width = Math.max(width, k.length());
        }
        for (Map.Entry<String, Double> e : result.metrics().entrySet()) {
            out.printf(Locale.ROOT, "  %-" + width + "s  %s%n", e.getKey(), format(e.getValue()));
        }
        if (answers != null) {
            AtomicFile.writeBytes(answers, answerLines.toByteArray());
            // the reward command's own defaults are strict and each task's list: name what differs
            String rescore = "visual-rft reward --model-frame " + result.boxFrame()
                    + (RewardMode.parseOrNull(request.rewardMode()) == RewardMode.STRICT ? ""
                            : " --mode " + request.rewardMode())
                    + (rewards == null ? "" : " --rewards " + rewards);
            out.println("wrote " + answers + " (boxes in the model's frame: " + result.boxFrame() + "; " + rescore
                    + " re-scores them)");
        }
        if (json != null) {
            AtomicFile.write(json, os -> writeMetrics(jsonFactory, os, request, result, seconds));
            out.println("wrote " + json);
        }
        out.flush();
        return ExitCodes.OK;
    }

    private ModelEvaluation.Request request() {
        LoadOptions load;
        EvaluationProtocol proto;
        boolean fromFolder;
        int maxNew;
        String mode;
        try {
            proto = EvaluationProtocol.parseOrNull(protocol);
            if (proto == null) {
                throw new IllegalArgumentException("--protocol must be default or visual-rft, got '" + protocol + "'");
            }
            fromFolder = generationConfig == null ? proto.usesGenerationConfig() : switch (generationConfig) {
                case "folder" -> true;
                case "greedy" -> false;
                default -> throw new IllegalArgumentException("--generation-config must be folder or greedy, got '"
                        + generationConfig + "'");
            };
            repetitionPenalty.value(); // a bad value is a usage error (exit 2) like the others
            maxNew = maxNewTokens != null ? maxNewTokens : proto.maxNewTokens();
            if (maxNew < 1 || maxNew > Limits.MAX_TOKENS) {
                throw new IllegalArgumentException("--max-new-tokens must be 1 to " + Limits.MAX_TOKENS + ", got "
                        + maxNew);
            }
            mode = rewardMode != null ? rewardMode : proto.rewardMode().id();
            if (batch < 1 || batch > 1024) {
                throw new IllegalArgumentException("--batch must be 1 to 1024, got " + batch);
            }
            if (limit < 0) {
                throw new IllegalArgumentException("--limit must be 0 (all) or more, got " + limit);
            }
            String fault = Limits.threadsFault(threads);
            if (fault != null) {
                throw new IllegalArgumentException("--threads " + fault);
            }
            if (RewardMode.parseOrNull(mode) == null) {
                throw new IllegalArgumentException("--reward-mode must be strict or visual-rft, got '" + mode + "'");
            }
            DType dtype = switch (torchDtype) {
                case "auto" -> null;
                case "bfloat16", "bf16" -> DType.BF16;
                case "float32", "fp32" -> DType.F32;
                default -> throw new IllegalArgumentException("--torch-dtype must be auto, bfloat16 or float32, got '"
                        + torchDtype + "'");
            };
            Device dev = device.parse();
            load = pixels.applyTo(new LoadOptions(dev, dtype, null, 0));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        // the folder's file is read before the model loads: a key we do not implement is one line, exit 2
        GenerationConfig file = fromFolder ? GenerationConfig.ofFolder(model) : null;
        SamplingParams params = file != null ? file.sampling(maxNew) : SamplingParams.greedy(maxNew);
        if (file == null || repetitionPenalty.given()) {
            params = new SamplingParams(params.temperature(), params.topK(), params.topP(), maxNew,
                    repetitionPenalty.value(), params.minP());
        }
        generationSource = file == null ? "greedy" : file.source() == null
                ? model.resolve(GenerationConfig.FILE) + " (absent: greedy)" : file.source().toString();
        this.resolvedProtocol = proto;
        Map<Task, Integer> taskLimits = maxNewTokens != null ? Map.of() : proto.taskMaxNewTokens();
        return new ModelEvaluation.Request(model, dataset, new ColumnNames(imageColumn, problemColumn,
                solutionColumn), skipBadRows, load, threads, limit, batch, rewards, mode, adapter,
                new RewardEval.Decoding(params, taskLimits, seed), proto, systemPrompt);
    }

    /** The decoding settings actually used, in one line (printed before the answers). */
    private String decodingLine(ModelEvaluation.Request request) {
        SamplingParams p = request.decoding().params();
        return String.format(Locale.ROOT, "decoding: protocol %s, generation config %s: %s, temperature %s, top_k %d,"
                + " top_p %s, min_p %s, repetition_penalty %s, max_new_tokens %d%s, seed %d", resolvedProtocol.id(),
                generationSource, p.isGreedy() ? "greedy" : "sampled", p.temperature(), p.topK(), p.topP(), p.minP(),
                p.repetitionPenalty(), p.maxNewTokens(), taskLimits(request.decoding()), request.decoding().seed())
                + (request.systemPrompt() != null ? ", system prompt --system-prompt"
                        : request.protocol().readsGroundingFromDecodedText() ? ", system prompt R1 (grounding records)"
                        : "");
    }

    /** " (grounding 128)" for tasks with a token limit of their own, else "". */
    private static String taskLimits(RewardEval.Decoding d) {
        StringBuilder b = new StringBuilder();
        d.maxNewTokens().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.append(b.length() == 0 ? " (" : ", ").append(e.getKey().id()).append(' ').append(e.getValue()));
        return b.length() == 0 ? "" : b.append(')').toString();
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.4f", v);
    }

    private static void writeAnswer(JsonFactory f, ByteArrayOutputStream os, TrainingExample ex, Rollout answer,
            RewardBreakdown rewards) {
        try (JsonGenerator g = f.createGenerator(os, JsonEncoding.UTF8)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.writeStartObject();
            g.writeStringField("id", ex.id());
            g.writeStringField("task", ex.task().id());
            g.writeStringField("problem", ex.prompt().text());
            if (ex.prompt().system() != null) {
                g.writeStringField("system", ex.prompt().system());
            }
            g.writeStringField("completion", answer.text());
            g.writeStringField("solution", ex.solution());
            if (ex.reward().imageSize() != null) {
                g.writeArrayFieldStart("image_size");
                g.writeNumber(ex.reward().imageSize().width());
                g.writeNumber(ex.reward().imageSize().height());
                g.writeEndArray();
            }
            g.writeNumberField("completion_length", answer.length());
            g.writeObjectFieldStart("rewards");
            for (Map.Entry<String, Double> e : rewards.values().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("reward", rewards.total());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        os.write('\n');
    }

    private void writeMetrics(JsonFactory f, OutputStream os, ModelEvaluation.Request request,
            ModelEvaluation.Result result, double seconds) throws IOException {
        SamplingParams p = request.decoding().params();
        try (JsonGenerator g = f.createGenerator(os, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("model", model.toString());
            g.writeStringField("model_type", result.modelType());
            g.writeStringField("dataset", dataset);
            g.writeStringField("reward_mode", request.rewardMode());
            g.writeNumberField("max_new_tokens", p.maxNewTokens());
            g.writeNumberField("repetition_penalty", p.repetitionPenalty());
            g.writeStringField("protocol", resolvedProtocol.id());
            g.writeStringField("system_prompt", request.systemPrompt());
            g.writeObjectFieldStart("decoding"); // the settings actually used
            g.writeStringField("generation_config", generationSource);
            g.writeBooleanField("greedy", p.isGreedy());
            g.writeNumberField("temperature", p.temperature());
            g.writeNumberField("top_k", p.topK());
            g.writeNumberField("top_p", p.topP());
            g.writeNumberField("min_p", p.minP());
            g.writeNumberField("repetition_penalty", p.repetitionPenalty());
            g.writeNumberField("max_new_tokens", p.maxNewTokens());
            g.writeObjectFieldStart("max_new_tokens_by_task");
            for (Map.Entry<Task, Integer> e : new java.util.TreeMap<>(request.decoding().maxNewTokens()).entrySet()) {
                g.writeNumberField(e.getKey().id(), e.getValue());
            }
            g.writeEndObject();
            g.writeNumberField("seed", request.decoding().seed());
            g.writeEndObject();
            g.writeNumberField("skipped_bad_rows", result.skippedBadRows());
            g.writeNumberField("seconds", seconds);
            g.writeObjectFieldStart("metrics");
            for (Map.Entry<String, Double> e : result.metrics().entrySet()) {
                double v = e.getValue();
                if (Double.isFinite(v)) {
                    g.writeNumberField(e.getKey(), v);
                } else {
                    g.writeNullField(e.getKey()); // JSON has no NaN
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        os.write('\n');
        os.flush();
    }
}
