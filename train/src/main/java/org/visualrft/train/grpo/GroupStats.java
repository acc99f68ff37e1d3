package org.visualrft.train.grpo;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.train.metrics.HackingDiagnostics;

/**
 * What the loss weights and the step's metrics need of every group of a step, known to every rank: each rank fills
 * the rows of the groups it sampled and one sum over the ranks completes the table (a row is zero except at its
 * owner). Read in the groups' global order, the metrics are the same numbers whatever the number of ranks.
 */
final class GroupStats {
    private static final int DIAG = 6;
    /** Per group before its rollouts: tokens, reward std, tokens in the loss, truncated completions. */
    private static final int HEAD = 4;
    private final int generations;
    private final List<String> names;
    private final int perRollout;
    private final int fields;
    private final double[] table;

    private GroupStats(int generations, List<String> names, double[] table) {
        this.generations = generations;
        this.names = names;
        this.perRollout = 2 + 2 * names.size();
        this.fields = HEAD + generations * perRollout + DIAG;
        this.table = table;
    }

    /**
     * {@code groups} in global order, null where another rank holds the group; {@code maskTruncated}: completions
     * without an end token are left out of the loss ({@link #lossTokens}).
     */
    static GroupStats exchange(List<ScoredGroup> groups, int generations, List<String> names, Set<String> labels,
            boolean maskTruncated, ProcessGroup group) {
        GroupStats s = new GroupStats(generations, names, null);
        double[] t = new double[groups.size() * s.fields];
        for (int i = 0; i < groups.size(); i++) {
            ScoredGroup g = groups.get(i);
            if (g != null) {
                s.fill(t, i * s.fields, g, labels, maskTruncated);
            }
        }
        return new GroupStats(generations, names, group.allreduceSum(t));
    }

    private void fill(double[] t, int at, ScoredGroup g, Set<String> labels, boolean maskTruncated) {
        t[at] = g.completionTokens();
        t[at + 1] = GroupAdvantage.std(g.rewards(), mean(g.rewards()));
        HackingDiagnostics diag = new HackingDiagnostics(labels);
        for (int r = 0; r < generations; r++) {
            Rollout ro = g.rollouts().get(r);
            t[at + 2] += maskTruncated && !ro.endedWithEos() ? 0 : ro.length();
            t[at + 3] += ro.endedWithEos() ? 0 : 1;
            int o = at + HEAD + r * perRollout;
            t[o] = g.rewards()[r];
            t[o + 1] = ro.length();
            Map<String, Double> parts = g.perFunction().get(r);
            for (int k = 0; k < names.size(); k++) {
                Double v = parts.get(names.get(k));
                if (v != null) {
                    t[o + 2 + 2 * k] = v;
                    t[o + 3 + 2 * k] = 1;
                }
            }
            diag.add(g.example().task(), ro.text(), g.example().solution());
        }
        long[] c = diag.counts();
        for (int d = 0; d < DIAG; d++) {
            t[at + fields - DIAG + d] = c[d];
        }
    }

    int groups() {
        return table.length / fields;
    }

    int generations() {
        return generations;
    }

    double tokens(int group) {
        return table[group * fields];
    }

    double rewardStd(int group) {
        return table[group * fields + 1];
    }

    /** The completion tokens that count in the loss: all, or with truncated completions masked those that ended. */
    double lossTokens(int group) {
        return table[group * fields + 2];
    }

    /** Completions that hit the length limit without an end token. */
    double truncated(int group) {
        return table[group * fields + 3];
    }

    double reward(int group, int rollout) {
        return table[group * fields + HEAD + rollout * perRollout];
    }

    double length(int group, int rollout) {
        return table[group * fields + HEAD + 1 + rollout * perRollout];
    }

    List<String> functionNames() {
        return names;
    }

    /** Function {@code k}'s value for a rollout, or null when that function does not score this task. */
    Double function(int group, int rollout, int k) {
        int o = group * fields + HEAD + rollout * perRollout + 2 + 2 * k;
        return table[o + 1] > 0.5 ? table[o] : null;
    }

    long[] diagnostics(int group) {
        long[] c = new long[DIAG];
        for (int d = 0; d < DIAG; d++) {
            c[d] = Math.round(table[group * fields + fields - DIAG + d]);
        }
        return c;
    }

    private static double mean(double[] r) {
        double s = 0;
        for (double v : r) {
            s += v;
        }
        return s / r.length;
    }
}
