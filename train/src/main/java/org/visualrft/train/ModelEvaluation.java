package org.visualrft.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Engine;
import org.visualrft.train.data.ExampleLoader;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.data.parquet.ColumnNames;
import org.visualrft.train.grpo.Rewarder;

/**
 * A model's answers to a whole dataset (greedy, or as the request's decoding says), scored exactly as a training
 * run's in-loop evaluation scores them ({@link RewardEval}: the reward functions' means overall and per task,
 * classification accuracy, grounding mIoU and cumulative IoU, detection mAP): what {@code visual-rft evaluate} runs
 * on a base model or a checkpoint. Everything that can be checked (reward names, data, model, that every prompt fits
 * the model) is checked before the first answer is generated.
 */
public final class ModelEvaluation {
    private ModelEvaluation() {
    }

    /**
     * What to evaluate and how.
     *
     * @param rewards reward functions as the reward command's {@code --rewards} spec, {@code name[:weight],...}
     *     (null: each task's own set)
     * @param rewardMode {@code strict} or {@code visual-rft}
     * @param limit evaluate the first {@code limit} records only (0: all)
     * @param batch records answered in one batched decode ({@link RewardEval}'s batch)
     * @param adapter a PEFT LoRA folder to put over the model (null: none)
     * @param decoding how the answers are decoded ({@link RewardEval.Decoding}: settings, token limits, seed)
     * @param protocol how each record is asked ({@link EvaluationProtocol#ask}: the paper's protocol puts a literal
     *     {@code <image>} line before the question, and asks grounding records as the LISA script) and how grounding
     *     boxes are read
     * @param systemPrompt a system message before every record's prompt (null: the protocol's, none except for the
     *     LISA script's grounding records)
     */
    public record Request(Path model, String dataset, ColumnNames columns, boolean skipBadRows, LoadOptions load,
            int threads, int limit, int batch, String rewards, String rewardMode, Path adapter,
            RewardEval.Decoding decoding, EvaluationProtocol protocol, String systemPrompt) {
    }

    /**
     * The metrics ({@code RewardEval}'s names), how many records were skipped as bad ({@code skip_bad_rows}), and the
     * box frame the model writes its answers in (how a re-scoring of the answers must read them).
     */
    public record Result(Map<String, Double> metrics, int skippedBadRows, String modelType, String boxFrame) {
    }

    /** Runs the evaluation; {@code sink} (null: none) receives every answer in the dataset's order. */
    public static Result run(Request q, RewardEval.AnswerSink sink, PrintStream console) {
        String src = "--rewards";
        Rewarder.ofSpec(q.rewards(), q.rewardMode(), src, RewardOptions.DEFAULT); // bad names fail before the model loads
        ExampleLoader.Loaded loaded = ExampleLoader.load(q.dataset(), q.columns(), q.skipBadRows());
        List<TrainingExample> data = loaded.examples();
        if (q.limit() > 0 && q.limit() < data.size()) {
            data = data.subList(0, q.limit());
        }
        for (TrainingExample ex : data) {
            if (q.protocol().readsGroundingFromDecodedText() && ex.task() == org.visualrft.core.reward.Task.GROUNDING) {
                LisaGroundTruth.of(ex); // a bad box column fails before the model loads
            }
        }
        Engine.setThreads(q.threads());
        try (Policy policy = Runs.model(q.model().toString(), "--model", q.load(), q.adapter())) {
            List<TrainingExample> asked = new ArrayList<>(data.size());
            for (TrainingExample ex : data) { // as the protocol asks, for a model with or without a system turn
                asked.add(q.protocol().ask(ex, q.systemPrompt(), policy.takesSystemMessage()));
            }
            data = asked;
            // answers are read in the frame the model writes them in (Qwen2.5-VL: pixels of the resized image)
            Rewarder rewarder = Rewarder.ofSpec(q.rewards(), q.rewardMode(), src,
                    policy.rewardOptions(RewardOptions.DEFAULT));
            RunPreflight.Checked checked = RunPreflight.grpo("evaluate", policy, data, q.dataset(),
                    q.decoding().params().maxNewTokens(), null, q.skipBadRows(), console);
            RewardEval eval = new RewardEval(checked.examples(), rewarder, RewardMode.parseOrNull(q.rewardMode()),
                    q.decoding(), 0, q.batch());
            if (q.protocol().readsGroundingFromDecodedText()) { // the LISA script's reading of the box
                eval.readingGroundingAs(EvaluationProtocol::lisaBox);
            }
            Map<String, Double> metrics = eval.evaluate(policy, sink);
            return new Result(metrics, loaded.skippedBadRows() + checked.skipped(), policy.modelType(),
                    policy.boxFrame().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
    }
}
