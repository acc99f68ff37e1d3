package org.visualrft.core.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.visualrft.core.BadInputException;

/**
 * Builds a k-shot subset: for each class, {@code k} samples drawn without replacement by a {@link SeededShuffle}
 * keyed by the class name. Properties that follow and that the tests pin: the same (input, k, seed) always gives
 * the same subset; a class's draw is independent of the other classes; with one seed the k-shot subset is contained
 * in the 2k-shot one (each class takes a prefix of one permutation). A class with fewer than k samples contributes
 * all it has and is marked short in the manifest.
 */
public final class KShotSplit {
    /** What was chosen: the samples (classes in sorted order, each in draw order) and the manifest describing it. */
    public record Result(List<Sample> samples, SplitManifest manifest) {
    }

    private KShotSplit() {
    }

    /**
     * @param samples the pool, in input order
     * @param classOf the class of a sample ({@link Sample#classLabel()} for classification)
     */
    public static Result build(List<Sample> samples, Function<Sample, String> classOf, int k, long seed,
            String inputName) {
        if (k <= 0) {
            throw new IllegalArgumentException("shots must be positive, got " + k);
        }
        Set<String> seen = new HashSet<>();
        for (Sample s : samples) {
            if (!seen.add(s.id())) { // the manifest names samples by id: one id for two samples is ambiguous
                throw new BadInputException(inputName, "duplicate id \"" + s.id() + "\" (ids must be unique; a"
                        + " JSON Lines record without an id gets its line number)");
            }
        }
        Map<String, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < samples.size(); i++) {
            byClass.computeIfAbsent(classOf.apply(samples.get(i)), c -> new ArrayList<>()).add(i);
        }
        List<Sample> chosen = new ArrayList<>();
        Map<String, SplitManifest.ClassDraw> draws = new LinkedHashMap<>();
        for (Map.Entry<String, List<Integer>> e : byClass.entrySet()) {
            int[] pool = e.getValue().stream().mapToInt(Integer::intValue).toArray();
            new SeededShuffle(seed, e.getKey()).shuffle(pool);
            int take = Math.min(k, pool.length);
            List<String> ids = new ArrayList<>(take);
            for (int j = 0; j < take; j++) {
                Sample s = samples.get(pool[j]);
                chosen.add(s);
                ids.add(s.id());
            }
            draws.put(e.getKey(), new SplitManifest.ClassDraw(pool.length, ids));
        }
        return new Result(chosen, new SplitManifest(inputName, k, seed, samples.size(), chosen.size(), draws));
    }
}
