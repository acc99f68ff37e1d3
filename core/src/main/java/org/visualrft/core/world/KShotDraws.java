package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The few-shot training sets, drawn from the training split. A draw is identified by its seed; draws with different
 * seeds are the repetitions the demo reports as mean ± spread.
 *
 * <p>Detection shots include negative queries (the category asked for while absent, answer "No Objects"): the
 * prototype trained on positives only and both methods then unlearned "No Objects" for the target categories.
 */
public final class KShotDraws {
    private final WorldSampler world;

    public KShotDraws(WorldSampler world) {
        this.world = world;
    }

    /** Draws on the shipped training split. */
    public static KShotDraws shipped() {
        return new KShotDraws(WorldSampler.shipped(FashionSplit.TRAIN));
    }

    /** {@code k} distinct items of each hard class (Table 2's k-shot). */
    public List<WorldSample> classification(int k, long drawSeed) {
        return HeldOutSets.classification(world, WorldRoles.HARD_CLASSES, k, "shot-cls" + k + "-d" + drawSeed,
                new SplittableRandom(mix(drawSeed, 1)));
    }

    /**
     * {@code k} positive scenes and {@code negativesPerClass} negative queries for each category, positives first per
     * category.
     */
    public List<WorldSample> detection(Set<FashionClass> categories, int k, int negativesPerClass, long drawSeed,
            String prefix) {
        SplittableRandom rng = new SplittableRandom(mix(drawSeed, 2 + categoryBits(categories)));
        List<WorldSample> out = new ArrayList<>();
        for (FashionClass c : categories) {
            for (int i = 0; i < k; i++) {
                out.add(world.detection().of(prefix + "-d" + drawSeed + "-" + out.size(), c, true, rng));
            }
            for (int i = 0; i < negativesPerClass; i++) {
                out.add(world.detection().of(prefix + "-d" + drawSeed + "-" + out.size(), c, false, rng));
            }
        }
        return List.copyOf(out);
    }

    /** {@code n} grounding scenes. */
    public List<WorldSample> grounding(int n, long drawSeed) {
        SplittableRandom rng = new SplittableRandom(mix(drawSeed, 3));
        List<WorldSample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(world.grounding().sample("shot-ground-d" + drawSeed + "-" + i, rng));
        }
        return List.copyOf(out);
    }

    /** {@code n} distinct entries of a pool chosen at random (the whole pool, shuffled, when it is smaller). */
    static List<Integer> distinct(List<Integer> pool, int n, SplittableRandom rng) {
        List<Integer> copy = new ArrayList<>(pool);
        int take = Math.min(n, copy.size());
        for (int i = 0; i < take; i++) {
            int j = i + rng.nextInt(copy.size() - i);
            Integer t = copy.get(i);
            copy.set(i, copy.get(j));
            copy.set(j, t);
        }
        return List.copyOf(copy.subList(0, take));
    }

    /** A salt from the category set that does not depend on identity hash codes (those differ between runs). */
    private static long categoryBits(Set<FashionClass> categories) {
        return categories.stream().mapToLong(c -> 1L << (c.ordinal() + 8)).sum();
    }

    private static long mix(long seed, long salt) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + salt).nextLong();
    }
}
