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
 * prompt and image are context), token mean over each micro-batch, gradient accumulation, AdamW, the same schedules,
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
     * drawn in one order by every rank; rank r trains on its slice, with the loss divided by the whole micro-batch's
     * target tokens, so the summed gradients are what one process computes on the whole micro-batch.
     */
    public SftTrainer(SftConfig cfg, List<TrainingExample> data, InLoopEval eval, PrintStream console,
            boolean terminal, ProcessGroup group) {
        super("sft", cfg.args(), data.size(), eval, console, terminal, group);
        this.cfg = cfg;
        this.data = List.copyOf(data);
    }

    /** The target text: the solution, or {@code <think> thinking </think>} then the solution. */
    public static String target(TrainingExample ex, SftTarget kind) {
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
        double[] tokens = new double[1];
        UpdateStep.Result r = ctx.update(0, () -> {
            double loss = 0;
            boolean finite = true;
            for (int mb = 0; mb < accum; mb++) {
                List<TrainingExample> micro = new ArrayList<>(batch);
                List<int[]> targets = new ArrayList<>(batch);
                int count = 0; // target tokens of the whole micro-batch, over all ranks
                for (int i = 0; i < batch * world; i++) {
                    TrainingExample ex = data.get(ctx.order().next());
                    int[] t = targetTokens(ctx.policy(), ex);
                    if (i >= first && i < first + batch) {
                        micro.add(ex);
                        targets.add(t);
                    }
                    count += t.length;
                }
                // the micro-batch is one padded forward, as per_device_train_batch_size means in HF's trainers
                if (finite) {
                    try (NativeScope s = NativeScope.open()) {
                        List<Prompt> prompts = micro.stream().map(TrainingExample::prompt).toList();
                        GroupLogProbs lp = ctx.policy().logProbs(prompts, targets);
                        Tensor nll = lp.logProbs().to(DType.F64).mul(lp.mask().to(DType.F64)).sum().neg().div(count);
                        double v = nll.item();
                        finite = Double.isFinite(v);
                        if (finite) {
                            lp.backward(nll.div(accum)); // and any checkpointed layers
                            loss += v / accum;
                        }
                    }
                }
                tokens[0] += count;
            }
            return new UpdateStep.Contribution(finite, loss);
        });
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", r.sums()[0]);
        m.put("learning_rate", ctx.learningRate(0));
        m.put("grad_norm", r.gradNorm());
        m.put("tokens", tokens[0]);
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
