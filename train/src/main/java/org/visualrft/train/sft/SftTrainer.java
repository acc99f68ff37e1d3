package org.visualrft.train.sft;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.InLoopEval;
import org.visualrft.train.TrainingLoop;
import org.visualrft.train.checkpoint.Provenance;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.config.SftTarget;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.optim.UpdateStep;

/**
 * Supervised fine-tuning on the same data as GRPO: teacher-forced cross-entropy on the target tokens only (the
 * prompt and image are context), the token mean over the whole optimiser step (every micro-batch of the gradient
 * accumulation, every rank: Hugging Face's {@code num_items_in_batch} normalisation), AdamW, the same schedules,
 * clipping, checkpoints and metrics as GRPO.
 */
public final class SftTrainer extends TrainingLoop {
    private final SftConfig cfg;
    private final List<TrainingExample> data;
    private Map<String, Object> provenance; // made on first use: it hashes model and data, and only rank 0 asks

    public SftTrainer(SftConfig cfg, List<TrainingExample> data, InLoopEval eval, PrintStream console,
            boolean terminal) {
        this(cfg, data, eval, console, terminal, ProcessGroup.single());
    }

    /**
     * Data parallel over {@code group}: each micro-batch of per_device_train_batch_size × world size examples is
     * drawn in one order by every rank; rank r trains on its slice, with the loss divided by the whole step's target
     * tokens (all micro-batches, all ranks), so the summed gradients are what one process computes on the whole step.
     */
    public SftTrainer(SftConfig cfg, List<TrainingExample> data, InLoopEval eval, PrintStream console,
            boolean terminal, ProcessGroup group) {
        super("sft", cfg.args(), data.size(), eval, console, terminal, group);
        this.cfg = cfg;
        this.data = List.copyOf(data);
    }

    /** The target text: the solution, or {@code <think> thinking </think>} then the solution. */
    public static String target(TrainingExample ex, SftTarget kind) {
        if (ex.solution().isBlank()) { // the target would be the end-of-sequence token alone: teach empty answers
            throw new BadInputException(ex.id(), "solution is empty: an SFT target needs the answer to teach");
        }
        if (kind == SftTarget.ANSWER_ONLY) {
            return ex.solution();
        }
        if (ex.thinking() == null || ex.thinking().isBlank()) {
            throw new BadInputException(ex.id(),
                    "sft_target with_thinking needs a thinking text, this example has none");
        }
        return "<think> " + ex.thinking().strip() + " </think>" + ex.solution();
    }

    /** Target token ids with the end-of-sequence token appended (the model must learn to stop). */
    int[] targetTokens(Policy policy, TrainingExample ex) {
        return targetTokens(policy, ex, cfg);
    }

    /** {@code ex}'s target token ids under {@code cfg}; a record without a valid target is a {@link BadInputException}. */
    static int[] targetTokens(Policy policy, TrainingExample ex, SftConfig cfg) {
        int[] t = policy.encode(target(ex, cfg.sftTarget()));
        int[] out = Arrays.copyOf(t, t.length + 1);
        out[t.length] = policy.eosTokenId();
        if (out.length > cfg.maxLength()) {
            throw new BadInputException(ex.id(), "target is " + out.length + " tokens, max_length is " + cfg.maxLength()
                    + " (targets are never cut)");
        }
        return out;
    }

    @Override
    protected Map<String, Double> step(StepContext ctx) {
        int batch = cfg.args().perDeviceTrainBatchSize();
        int accum = cfg.args().gradientAccumulationSteps();
        int world = ctx.group().worldSize();
        int first = ctx.group().rank() * batch;
        // the whole step is drawn first: its loss is divided by all its target tokens (every micro-batch, every rank)
        List<List<TrainingExample>> micro = new ArrayList<>(accum);
        List<List<int[]>> targets = new ArrayList<>(accum);
        int count = 0;
        for (int mb = 0; mb < accum; mb++) {
            micro.add(new ArrayList<>(batch));
            targets.add(new ArrayList<>(batch));
            for (int i = 0; i < batch * world; i++) {
                TrainingExample ex = data.get(ctx.order().next());
                int[] t = targetTokens(ctx.policy(), ex);
                if (i >= first && i < first + batch) {
                    micro.get(mb).add(ex);
                    targets.get(mb).add(t);
                }
                count += t.length;
            }
        }
        int tokens = count;
        UpdateStep.Result r = ctx.update(0, () -> {
            double loss = 0;
            for (int mb = 0; mb < accum; mb++) {
                // the micro-batch is one padded forward, as per_device_train_batch_size means in HF's trainers
                try (NativeScope s = NativeScope.open()) {
                    List<Prompt> prompts = micro.get(mb).stream().map(TrainingExample::prompt).toList();
                    GroupLogProbs lp = ctx.policy().logProbs(prompts, targets.get(mb));
                    Tensor nll = lp.logProbs().to(DType.F64).mul(lp.mask().to(DType.F64)).sum().neg().div(tokens);
                    double v = nll.item();
                    if (!Double.isFinite(v)) {
                        return new UpdateStep.Contribution(false, loss);
                    }
                    lp.backward(nll); // and any checkpointed layers
                    loss += v;
                }
            }
            return new UpdateStep.Contribution(true, loss);
        });
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.applied() ? r.sums()[0] : Double.NaN); // a skipped update's loss was non-finite or cut short
        m.put("learning_rate", ctx.learningRate(0));
        m.put("grad_norm", r.applied() ? r.gradNorm() : Double.NaN);
        m.put("tokens", (double) tokens);
        return m;
    }

    @Override
    protected Map<String, Object> provenance() {
        if (provenance == null) {
            provenance = Provenance.describe("sft", cfg.asYaml(), cfg.args().seed(), null, null);
        }
        return provenance;
    }

    @Override
    protected Map<String, Object> resolvedConfig() {
        return cfg.asYaml();
    }

    @Override
    protected String progressTail(Map<String, Double> m) {
        return fmt("loss", m.get("loss"));
    }
}
