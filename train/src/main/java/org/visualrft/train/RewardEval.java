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
import org.visualrft.train.data.Seeds;
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
    private final Decoding decoding;
    private final java.util.Set<String> labels;

    private final RewardMode mode;
    private final int batch;
    /** Grounding boxes read as the LISA script reads them (null: from the answer, as the rewards read it). */
    private java.util.function.BiFunction<TrainingExample, String, org.visualrft.core.geometry.Box> groundingReader;

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
        this(examples, rewarder, mode, Decoding.greedy(maxNewTokens, repetitionPenalty), limit, batch);
    }

    /**
     * How the answers are decoded: the sampler's settings, token limits of some tasks that replace the settings' own
     * (the paper's grounding evaluation: 128), and the seed of the records' random streams. Each record draws from a
     * stream of its own ({@link Seeds#forRecord}: the seed and the record's index), so sampled answers do not depend
     * on the batch; greedy decoding draws nothing.
     */
    public record Decoding(SamplingParams params, Map<Task, Integer> maxNewTokens, long seed) {
        public Decoding {
            java.util.Objects.requireNonNull(params, "params");
            maxNewTokens = Map.copyOf(maxNewTokens);
        }

        /** Greedy answers of up to {@code maxNewTokens} tokens, with Hugging Face's repetition penalty (1: off). */
        public static Decoding greedy(int maxNewTokens, double repetitionPenalty) {
            return new Decoding(new SamplingParams(0.0, 0, 1.0, maxNewTokens, repetitionPenalty, 0.0), Map.of(), 0);
        }

        /** The settings for a record of {@code task}. */
        public SamplingParams paramsFor(Task task) {
            Integer n = maxNewTokens.get(task);
            return n == null ? params : params.withMaxNewTokens(n);
        }
    }

    /**
     * @param decoding how the answers are decoded (in-loop evaluation: {@link Decoding#greedy})
     * @param batch    how many examples' answers are generated in one call (as above)
     */
    public RewardEval(List<TrainingExample> examples, Rewarder rewarder, RewardMode mode, Decoding decoding, int limit,
            int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        }
        this.batch = batch;
        this.mode = mode;
        this.examples = limit > 0 && limit < examples.size() ? examples.subList(0, limit) : List.copyOf(examples);
        this.rewarder = rewarder;
        this.decoding = decoding;
        this.labels = new java.util.HashSet<>();
        for (TrainingExample ex : examples) {
            labels.add(HackingDiagnostics.labelOf(ex.solution()));
        }
    }

    /**
     * Reads the grounding metrics as the LISA evaluation script does ({@code visual-rft evaluate --protocol visual-rft}):
     * {@code reader} gives the box the script would read for an example and its answer (null: none, IoU 0), and the
     * ground truth is the record's {@code box} column (pixels of the original image, as the script's annotation)
     * divided by its width and height, or without one its solution's first box divided by 1000.
     */
    public RewardEval readingGroundingAs(
            java.util.function.BiFunction<TrainingExample, String, org.visualrft.core.geometry.Box> reader) {
        this.groundingReader = reader;
        return this;
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

    /** Receives each example's answer and its rewards, in the examples' order. */
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
        Map<Task, List<String>> responses = new EnumMap<>(Task.class);
        Map<Task, List<String>> solutions = new EnumMap<>(Task.class);
        List<DetectionSetMap.Item> detections = new ArrayList<>();
        List<org.visualrft.core.geometry.Box> groundingRead = new ArrayList<>();
        List<org.visualrft.core.geometry.Box> groundingTruth = new ArrayList<>();
        List<Rollout> answers = new ArrayList<>(batch);
        for (int n = 0; n < examples.size(); n++) {
            TrainingExample ex = examples.get(n);
            int slot = n % batch;
            if (slot == 0) {
                answers = answer(policy, examples.subList(n, Math.min(n + batch, examples.size())), n, decoding);
            }
            Rollout r = answers.get(slot);
            if (ex.task() == Task.DETECTION) {
                detections.add(new DetectionSetMap.Item(category(ex), ex.reward().imageSize(), ex.solution(),
                        r.text()));
            }
            if (ex.task() == Task.GROUNDING && groundingReader != null) {
                groundingRead.add(groundingReader.apply(ex, r.text()));
                groundingTruth.add(LisaGroundTruth.of(ex));
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
            GroundingIou.Result g = groundingReader != null ? GroundingIou.evaluateBoxes(groundingRead, groundingTruth)
                    : GroundingIou.evaluate(responses.get(Task.GROUNDING), solutions.get(Task.GROUNDING));
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

    /**
     * The answers to {@code chunk}, whose first example is the {@code first}-th: one generate call for one example,
     * else one generateGroups call per distinct setting (a task's own token limit), each example with its own stream.
     */
    private static List<Rollout> answer(Policy policy, List<TrainingExample> chunk, int first, Decoding decoding) {
        try (NativeScope scope = NativeScope.open()) { // free the rollouts' tensors now, not at the next GC
            if (chunk.size() == 1) {
                TrainingExample ex = chunk.get(0);
                return List.of(policy.generate(ex.prompt(), 1, decoding.paramsFor(ex.task()),
                        Seeds.forRecord(decoding.seed(), first)).get(0));
            }
            Map<SamplingParams, List<Integer>> bySetting = new LinkedHashMap<>();
            for (int i = 0; i < chunk.size(); i++) {
                bySetting.computeIfAbsent(decoding.paramsFor(chunk.get(i).task()), p -> new ArrayList<>()).add(i);
            }
            Rollout[] out = new Rollout[chunk.size()];
            for (Map.Entry<SamplingParams, List<Integer>> e : bySetting.entrySet()) {
                List<org.visualrft.model.policy.Prompt> prompts = new ArrayList<>(e.getValue().size());
                List<java.util.SplittableRandom> rngs = new ArrayList<>(e.getValue().size());
                for (int i : e.getValue()) {
                    prompts.add(chunk.get(i).prompt());
                    rngs.add(Seeds.forRecord(decoding.seed(), first + i));
                }
                List<List<Rollout>> groups = policy.generateGroups(prompts, 1, e.getKey(), rngs);
                for (int k = 0; k < groups.size(); k++) {
                    out[e.getValue().get(k)] = groups.get(k).get(0);
                }
            }
            return List.of(out);
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
