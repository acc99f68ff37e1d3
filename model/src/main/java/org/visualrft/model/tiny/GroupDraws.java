package org.visualrft.model.tiny;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.Sampler;
import org.visualrft.model.sampling.TokenHistory;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * What the Java sampler has drawn for one prompt's {@code g} sequences: their tokens and log-probs so far, and which
 * are done (EOS, or the prompt's own length limit). Each step draws from the group's generator for its rows in order,
 * skipping done rows: the order every earlier seeded run drew in, whether the group decodes alone or beside others.
 */
final class GroupDraws {
    private final int[][] ids;
    private final float[][] logps;
    private final int[] len;
    private final boolean[] done;
    private final int limit;
    private final int eos;
    private final int pad;
    private final TokenHistory history;

    /** {@code prompt}: the prompt's token ids, the start of each row's history for a repetition penalty. */
    GroupDraws(int g, int maxNew, int eos, int pad, SamplingParams params, int[] prompt) {
        ids = new int[g][maxNew];
        logps = new float[g][maxNew];
        len = new int[g];
        done = new boolean[g];
        limit = maxNew;
        this.eos = eos;
        this.pad = pad;
        history = TokenHistory.forPrompt(params, prompt, g);
    }

    /**
     * Draws this step's token of every row still going ({@code step}'s rows {@code firstRow ..}), from {@code rng},
     * and puts each row's next input into {@code next} (pad for a done row). Returns whether every row is done.
     */
    boolean draw(StepLogits step, int firstRow, SamplingParams params, RandomGenerator rng, long[] next) {
        boolean all = true;
        for (int i = 0; i < len.length; i++) {
            if (done[i]) {
                next[firstRow + i] = pad;
                continue;
            }
            Sampler.Pick pick = step.sample(firstRow + i, len[i], params, history.of(i), rng);
            history.add(i, pick.token());
            ids[i][len[i]] = pick.token();
            logps[i][len[i]] = pick.logProb();
            len[i]++;
            next[firstRow + i] = pick.token();
            done[i] = pick.token() == eos || len[i] == limit;
            all &= done[i];
        }
        return all;
    }

    List<Rollout> rollouts(Tokenizer tokenizer) {
        List<Rollout> out = new ArrayList<>(len.length);
        for (int i = 0; i < len.length; i++) {
            int[] t = Arrays.copyOf(ids[i], len[i]);
            out.add(new Rollout(t, tokenizer.decode(t, true), Arrays.copyOf(logps[i], len[i]),
                    len[i] > 0 && t[len[i] - 1] == eos));
        }
        return out;
    }
}
