package org.visualrft.train.grpo;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardBreakdown;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.RewardFunction;
import org.visualrft.core.reward.Task;
import org.visualrft.core.reward.WeightedReward;
import org.visualrft.train.data.TrainingExample;

/**
 * The reward functions of a run, per task: the config's {@code reward_funcs}/{@code reward_weights} for every task,
 * or, when none are named, the Visual-RFT list of each example's task (weights 1).
 */
public final class Rewarder {
    private final Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
    private final List<String> names;

    public Rewarder(Map<Task, RewardSet> sets) {
        this.sets.putAll(sets);
        LinkedHashSet<String> all = new LinkedHashSet<>();
        for (RewardSet s : sets.values()) {
            all.addAll(s.names());
        }
        this.names = List.copyOf(all);
    }

    /** From config names; {@code source} names the config file in faults. */
    public static Rewarder of(List<String> funcs, List<Double> weights, String mode, String source) {
        return of(funcs, weights, mode, source, RewardOptions.DEFAULT);
    }

    /**
     * The same with reward settings; a run passes {@code policy.rewardOptions(...)} so that boxes are read in the
     * frame the model writes them in (Qwen2.5-VL: pixels of the resized image; Qwen2-VL, Qwen3-VL: 0–1000).
     */
    public static Rewarder of(List<String> funcs, List<Double> weights, String mode, String source, RewardOptions options) {
        RewardMode m = mode(mode, source);
        Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
        for (Task t : Task.values()) {
            if (funcs.isEmpty()) {
                sets.put(t, RewardRegistry.defaults(t, m, options));
            } else {
                List<WeightedReward> parts = new ArrayList<>();
                for (int i = 0; i < funcs.size(); i++) {
                    RewardFunction f;
                    try {
                        f = RewardRegistry.create(funcs.get(i), m, options);
                    } catch (IllegalArgumentException e) {
                        throw new BadInputException(source, "reward_funcs: " + e.getMessage());
                    }
                    parts.add(new WeightedReward(f, weights.get(i)));
                }
                try {
                    sets.put(t, new RewardSet(parts));
                } catch (IllegalArgumentException e) { // a reward named twice
                    throw new BadInputException(source, "reward_funcs: " + e.getMessage());
                }
            }
        }
        return new Rewarder(sets);
    }

    /**
     * From the reward command's spec {@code name[:weight],...} (null: each task's defaults), one set for every task;
     * {@code source} names the option in faults.
     */
    public static Rewarder ofSpec(String spec, String mode, String source, RewardOptions options) {
        if (spec == null) {
            return of(List.of(), List.of(), mode, source, options);
        }
        RewardMode m = mode(mode, source);
        Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
        for (Task t : Task.values()) {
            try {
                sets.put(t, RewardRegistry.set(spec, m, options));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(source, e.getMessage());
            }
        }
        return new Rewarder(sets);
    }

    /** The reward mode {@code mode} names; a bad name is a fault of {@code source}. */
    private static RewardMode mode(String mode, String source) {
        RewardMode m = RewardMode.parseOrNull(mode);
        if (m == null) {
            throw new BadInputException(source, "reward_mode must be visual-rft or strict, got '" + mode + "'");
        }
        return m;
    }

    /** Every function name that can appear (the {@code rewards/<fn>} metrics). */
    public List<String> names() {
        return names;
    }

    /** The functions that score {@code task} (none when the task has no reward set). */
    public List<String> names(Task task) {
        RewardSet set = sets.get(task);
        List<String> out = new ArrayList<>();
        if (set != null) {
            for (WeightedReward w : set.parts()) {
                out.add(w.function().name());
            }
        }
        return out;
    }

    /** Per task, the functions with their weights ({@code name:weight}), for provenance. */
    public Map<String, List<String>> describe() {
        Map<String, List<String>> m = new java.util.LinkedHashMap<>();
        sets.forEach((task, set) -> {
            List<String> parts = new ArrayList<>();
            for (WeightedReward w : set.parts()) {
                parts.add(w.function().name() + ":" + w.weight());
            }
            m.put(task.id(), parts);
        });
        return m;
    }

    public RewardBreakdown score(String completion, TrainingExample ex) {
        return sets.get(ex.task()).score(completion, ex.reward());
    }
}
