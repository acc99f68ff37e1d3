package org.visualrft.train;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.eval.answers.ClassificationAccuracy;
import org.visualrft.core.eval.answers.DetectionSetMap;
import org.visualrft.core.eval.answers.GroundingIou;
import org.visualrft.core.reward.RewardBreakdown;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.Rewarder;
import org.visualrft.train.metrics.HackingDiagnostics;

/**
 * In-loop evaluation: greedy answers to held-out examples, scored by the run's reward functions (which read answers
 * with the evaluators' parsers). Reports the mean of each function overall and per task ({@code accuracy} on
 * classification is the classification accuracy; {@code giou}/{@code iou} the grounding/detection quality), the mean
 * total, the hacking diagnostics of the greedy answers, and the evaluators' classification accuracy and grounding
 * mean/cumulative IoU, and for detection samples COCO mAP ({@code detection_map}, {@code detection_ap50}: each
 * sample an image of its own with its solution's boxes as ground truth, see {@link DetectionSetMap}; a sample's
 * category is its {@code category} column, else the name in the paper's prompt, {@code category 'NAME'}).
 */
public final class RewardEval implements InLoopEval {
    private final List<TrainingExample> examples;
    private final Rewarder rewarder;
    private final int maxNewTokens;
    private final double repetitionPenalty;
    private final java.util.Set<String> labels;

    private final RewardMode mode;
    private final int batch;

    public RewardEval(List<TrainingExample> examples, Rewarder rewarder, RewardMode mode, int maxNewTokens, int limit) {
        this(examples, rewarder, mode, maxNewTokens, limit, 1);
    }

    /**
     * @param batch how many examples' answers are generated in one call ({@link Policy#generateGroups}: one batched
     *              decode where the model supports it, the same greedy answers up to float rounding); in-loop
     *              evaluation uses 1
     */
    public RewardEval(List<TrainingExample> examples, Rewarder rewarder, RewardMode mode, int maxNewTokens, int limit,
            int batch) {
        this(examples, rewarder, mode, maxNewTokens, limit, batch, 1.0);
    }

    /** @param repetitionPenalty Hugging Face's repetition penalty on the greedy answers (1: off) */
    public RewardEval(List<TrainingExample> examples, Rewarder rewarder, RewardMode mode, int maxNewTokens, int limit,
            int batch, double repetitionPenalty) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.batch = batch;
        this.mode = mode;
        this.examples = limit > 0 && limit < examples.size() ? examples.subList(0, limit) : List.copyOf(examples);
        this.rewarder = rewarder;
        this.maxNewTokens = maxNewTokens;
        this.repetitionPenalty = repetitionPenalty;
        this.labels = new java.util.HashSet<>();
        for (TrainingExample ex : examples) {
            labels.add(HackingDiagnostics.labelOf(ex.solution()));
        }
    }

    /**
     * What {@link #evaluate} reports for these examples and reward functions, without running the model (so a setting
     * that names one, {@code metric_for_best_model}, is checked before the run starts).
     */
    @Override
    public java.util.Set<String> metricNames() {
        java.util.Set<String> n = new java.util.LinkedHashSet<>();
        java.util.Set<Task> tasks = java.util.EnumSet.noneOf(Task.class);
        for (TrainingExample ex : examples) {
            tasks.add(ex.task());
        }
        n.add("reward");
        for (Task t : tasks) {
            for (String fn : rewarder.names(t)) {
                n.add("rewards/" + fn);
                n.add(t.id() + "/" + fn);
            }
        }
        n.add("completion_length");
        if (tasks.contains(Task.DETECTION)) {
            n.add("hacking/duplicate_box_rate");
            n.add("hacking/pred_minus_gt");
        }
        if (tasks.contains(Task.CLASSIFICATION)) {
            n.add("hacking/cls_not_one_label");
            n.add("classification_accuracy");
        }
        if (tasks.contains(Task.GROUNDING)) {
            n.add("grounding_miou");
            n.add("grounding_ciou");
        }
        if (tasks.contains(Task.DETECTION)) {
            n.add("detection_map");
            n.add("detection_ap50");
        }
        n.add("examples");
        return n;
    }

    /** Receives each example's greedy answer and its rewards, in the examples' order. */
    @FunctionalInterface
    public interface AnswerSink {
        void accept(TrainingExample example, Rollout answer, RewardBreakdown rewards);
    }

    @Override
    public Map<String, Double> evaluate(Policy policy) {
        return evaluate(policy, null);
    }

    /** The same, handing every answer to {@code sink} (null: none) as it is scored. */
    public Map<String, Double> evaluate(Policy policy, AnswerSink sink) {
        Map<String, double[]> sums = new LinkedHashMap<>();
        HackingDiagnostics diag = new HackingDiagnostics(labels);
        SamplingParams greedy = new SamplingParams(0.0, 0, 1.0, maxNewTokens, repetitionPenalty, 0.0);
        java.util.SplittableRandom unused = new java.util.SplittableRandom(0); // greedy draws nothing
        Map<Task, List<String>> responses = new EnumMap<>(Task.class);
        Map<Task, List<String>> solutions = new EnumMap<>(Task.class);
        List<DetectionSetMap.Item> detections = new ArrayList<>();
        List<Rollout> answers = new ArrayList<>(batch);
        for (int n = 0; n < examples.size(); n++) {
            TrainingExample ex = examples.get(n);
            int slot = n % batch;
            if (slot == 0) {
                answers = answer(policy, examples.subList(n, Math.min(n + batch, examples.size())), greedy, unused);
            }
            Rollout r = answers.get(slot);
            if (ex.task() == Task.DETECTION) {
                detections.add(new DetectionSetMap.Item(category(ex), ex.reward().imageSize(), ex.solution(),
                        r.text()));
            }
            responses.computeIfAbsent(ex.task(), t -> new ArrayList<>()).add(r.text());
            solutions.computeIfAbsent(ex.task(), t -> new ArrayList<>()).add(ex.solution());
            RewardBreakdown b = rewarder.score(r.text(), ex);
            if (sink != null) {
                sink.accept(ex, r, b);
            }
            add(sums, "reward", b.total());
            String task = ex.task().id();
            b.values().forEach((k, v) -> {
                add(sums, "rewards/" + k, v);
                add(sums, task + "/" + k, v);
            });
            add(sums, "completion_length", r.length());
            diag.add(ex.task(), r.text(), ex.solution());
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
        out.putAll(diag.values());
        // the evaluators' own numbers, as the evaluation commands report them
        if (responses.containsKey(Task.CLASSIFICATION)) {
            ClassificationAccuracy.Result a = ClassificationAccuracy.evaluate(responses.get(Task.CLASSIFICATION),
                    solutions.get(Task.CLASSIFICATION), mode);
            out.put("classification_accuracy", (double) a.correct() / Math.max(1, a.total()));
        }
        if (responses.containsKey(Task.GROUNDING)) {
            GroundingIou.Result g = GroundingIou.evaluate(responses.get(Task.GROUNDING), solutions.get(Task.GROUNDING));
            out.put("grounding_miou", g.meanIou());
            out.put("grounding_ciou", g.cumulativeIou());
        }
        if (!detections.isEmpty()) {
            // the answers in the policy's own box frame (Qwen2.5-VL writes resized pixels)
            DetectionSetMap.Result d = DetectionSetMap.evaluate(detections, policy.boxFrame(), policy.resizeRule());
            out.put("detection_map", d.map());
            out.put("detection_ap50", d.ap50());
        }
        out.put("examples", (double) examples.size());
        return out;
    }

    /** Greedy answers to {@code chunk}: one generate call for one example, else one generateGroups call. */
    private static List<Rollout> answer(Policy policy, List<TrainingExample> chunk, SamplingParams greedy,
            java.util.SplittableRandom unused) {
        try (NativeScope scope = NativeScope.open()) { // free the rollouts' tensors now, not at the next GC
            if (chunk.size() == 1) {
                return List.of(policy.generate(chunk.get(0).prompt(), 1, greedy, unused).get(0));
            }
            List<org.visualrft.model.policy.Prompt> prompts = new ArrayList<>(chunk.size());
            List<java.util.SplittableRandom> rngs = new ArrayList<>(chunk.size());
            for (TrainingExample ex : chunk) {
                prompts.add(ex.prompt());
                rngs.add(new java.util.SplittableRandom(0)); // greedy draws nothing
            }
            List<Rollout> out = new ArrayList<>(chunk.size());
            for (List<Rollout> group : policy.generateGroups(prompts, 1, greedy, rngs)) {
                out.add(group.get(0));
            }
            return out;
        }
    }

    private static final java.util.regex.Pattern PROMPT_CATEGORY = java.util.regex.Pattern.compile(
            "category '([^']+)'");

    static String category(TrainingExample ex) {
        Object c = ex.reward().columns().get("category");
        if (c != null) {
            return c.toString();
        }
        java.util.regex.Matcher m = PROMPT_CATEGORY.matcher(ex.prompt().text());
        return m.find() ? m.group(1) : "object";
    }

    private static void add(Map<String, double[]> sums, String k, double v) {
        double[] s = sums.computeIfAbsent(k, x -> new double[2]);
        s[0] += v;
        s[1]++;
    }
}
