package org.visualrft.model.sampling;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.visualrft.model.policy.SamplingParams;

/**
 * The distinct token ids of each row's sequence so far, what Hugging Face's repetition penalty reads from
 * {@code input_ids}: the row's prompt (image pad tokens included) and the tokens it has generated. Only the set
 * matters (a penalised logit is penalised once however often its token appeared). Without a repetition penalty it
 * records nothing and {@link #of} gives null.
 */
public final class TokenHistory {
    private final BitSet[] seen;
    private final int[][] ids;
    private final int[] count;

    private TokenHistory(int rows) {
        seen = new BitSet[rows];
        ids = new int[rows][];
        count = new int[rows];
    }

    /**
     * Rows for {@code prompts.size()} groups of {@code g} rows, group after group, each row starting from its group's
     * prompt ids; records nothing when {@code params} has no repetition penalty.
     */
    public static TokenHistory forGroups(SamplingParams params, List<int[]> prompts, int g) {
        TokenHistory h = new TokenHistory(params.penalisesRepetition() ? prompts.size() * g : 0);
        for (int r = 0; r < h.seen.length; r++) {
            h.seen[r] = new BitSet();
            h.ids[r] = new int[16];
            for (int id : prompts.get(r / g)) {
                h.add(r, id);
            }
        }
        return h;
    }

    /** {@code g} rows of one prompt. */
    public static TokenHistory forPrompt(SamplingParams params, int[] prompt, int g) {
        return forGroups(params, List.of(prompt), g);
    }

    /** Records that {@code row} generated {@code token}. */
    public void add(int row, int token) {
        if (seen.length == 0 || token < 0 || seen[row].get(token)) {
            return;
        }
        seen[row].set(token);
        if (count[row] == ids[row].length) {
            ids[row] = Arrays.copyOf(ids[row], 2 * count[row]);
        }
        ids[row][count[row]++] = token;
    }

    /** The distinct ids of {@code row}'s sequence so far, for {@link Sampler#sample}; null when nothing is recorded. */
    public int[] of(int row) {
        return seen.length == 0 ? null : Arrays.copyOf(ids[row], count[row]);
    }
}
