package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Detection examples, made query first: the queried class and whether it is present are decided before the scene is
 * composed, so the share of negative queries is exactly what was asked for and there is always a valid negative (the
 * scene is composed without the queried class; with {@code minItems = 0} it may be empty).
 */
public final class DetectionTasks {
    private final SceneComposer composer;

    public DetectionTasks(SceneComposer composer) {
        this.composer = composer;
    }

    /** A query drawn with the weights; absent (answer "No Objects") with probability {@code negativeRate}. */
    public WorldSample sample(String id, ClassWeights queryWeights, double negativeRate, RandomGenerator rng) {
        FashionClass query = queryWeights.draw(rng);
        boolean positive = rng.nextDouble() >= negativeRate;
        return of(id, query, positive, rng);
    }

    /** A scene for one query: with at least one item of the class when {@code positive}, with none otherwise. */
    public WorldSample of(String id, FashionClass query, boolean positive, RandomGenerator rng) {
        SceneSpec spec = composer.spec();
        int n = spec.minItems() + rng.nextInt(spec.maxItems() - spec.minItems() + 1);
        List<FashionClass> classes = new ArrayList<>();
        if (positive) {
            classes.add(query);
            n = Math.max(n, 1);
        }
        FashionClass[] all = FashionClass.values();
        while (classes.size() < n) {
            if (positive && rng.nextDouble() < spec.repeatProbability()) {
                classes.add(query);
                continue;
            }
            FashionClass c = all[rng.nextInt(all.length)];
            if (!positive && c == query) {
                continue;
            }
            classes.add(c);
        }
        Scene scene = composer.compose(classes, rng);
        return new WorldSample(id, TaskKind.DETECTION, scene.pixels(), query, null, scene.boxesOf(query),
                scene.items());
    }
}
