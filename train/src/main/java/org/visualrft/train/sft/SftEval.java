package org.visualrft.train.sft;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.InLoopEval;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * SFT's in-loop evaluation: the greedy answers scored as GRPO's evaluation scores them, plus {@code loss} (reported as
 * {@code eval/loss}, Hugging Face's {@code eval_loss}): the training loss's definition on the evaluation records, −log p
 * of every target token averaged over all of them, without gradients. A record without a target (a blank solution, no
 * thinking text for {@code with_thinking}, a target over {@code max_length}) is left out of the loss and counted in
 * {@code loss_skipped}.
 */
public final class SftEval implements InLoopEval {
    /** Records scored per forward, as a micro-batch of the same size trains. */
    private static final int BATCH = 8;

    private final InLoopEval answers;
    private final List<TrainingExample> records;
    private final SftConfig cfg;

    /** {@code records}: the evaluation set, its first {@code eval_limit} as {@code answers} takes them. */
    public SftEval(InLoopEval answers, List<TrainingExample> records, SftConfig cfg) {
        this.answers = answers;
        int limit = cfg.args().evalLimit();
        this.records = List.copyOf(limit > 0 && limit < records.size() ? records.subList(0, limit) : records);
        this.cfg = cfg;
    }

    @Override
    public Map<String, Double> evaluate(Policy policy) {
        Map<String, Double> m = new LinkedHashMap<>(answers.evaluate(policy));
        double nll = 0;
        long tokens = 0;
        int skipped = 0;
        List<Prompt> prompts = new ArrayList<>();
        List<int[]> targets = new ArrayList<>();
        for (TrainingExample ex : records) {
            try {
                targets.add(SftTrainer.targetTokens(policy, ex, cfg));
                prompts.add(ex.prompt());
                tokens += targets.get(targets.size() - 1).length;
            } catch (BadInputException noTarget) {
                skipped++;
            }
        }
        for (int from = 0; from < prompts.size(); from += BATCH) {
            int to = Math.min(prompts.size(), from + BATCH);
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                GroupLogProbs lp = policy.logProbs(prompts.subList(from, to), targets.subList(from, to));
                nll -= lp.logProbs().to(DType.F64).mul(lp.mask().to(DType.F64)).sum().item();
            }
        }
        m.put("loss", tokens == 0 ? Double.NaN : nll / tokens);
        m.put("loss_skipped", (double) skipped);
        return m;
    }

    @Override
    public Set<String> metricNames() {
        Set<String> names = answers.metricNames();
        if (names == null) {
            return null;
        }
        Set<String> out = new LinkedHashSet<>(names);
        out.add("loss");
        out.add("loss_skipped");
        return out;
    }
}
