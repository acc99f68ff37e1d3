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
    private final int generations;
    private final List<String> names;
    private final int perRollout;
    private final int fields;
    private final double[] table;

    private GroupStats(int generations, List<String> names, double[] table) {
        this.generations = generations;
        this.names = names;
        this.perRollout = 2 + 2 * names.size();
        this.fields = 2 + generations * perRollout + DIAG;
        this.table = table;
    }

    /** {@code groups} in global order, null where another rank holds the group. */
    static GroupStats exchange(List<ScoredGroup> groups, int generations, List<String> names, Set<String> labels,
            ProcessGroup group) {
        GroupStats s = new GroupStats(generations, names, null);
        double[] t = new double[groups.size() * s.fields];
        for (int i = 0; i < groups.size(); i++) {
            ScoredGroup g = groups.get(i);
            if (g != null) {
                s.fill(t, i * s.fields, g, labels);
            }
        }
        return new GroupStats(generations, names, group.allreduceSum(t));
    }

    private void fill(double[] t, int at, ScoredGroup g, Set<String> labels) {
        t[at] = g.completionTokens();
        t[at + 1] = GroupAdvantage.std(g.rewards(), mean(g.rewards()));
        HackingDiagnostics diag = new HackingDiagnostics(labels);
        for (int r = 0; r < generations; r++) {
            Rollout ro = g.rollouts().get(r);
            int o = at + 2 + r * perRollout;
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

    double reward(int group, int rollout) {
        return table[group * fields + 2 + rollout * perRollout];
    }

    double length(int group, int rollout) {
        return table[group * fields + 3 + rollout * perRollout];
    }

    List<String> functionNames() {
        return names;
    }

    /** Function {@code k}'s value for a rollout, or null when that function does not score this task. */
    Double function(int group, int rollout, int k) {
        int o = group * fields + 2 + rollout * perRollout + 2 + 2 * k;
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
