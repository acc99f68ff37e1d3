package org.visualrft.core.world;

import java.util.random.RandomGenerator;

/**
 * Makes examples of every task from one split of items. All randomness comes from the generator passed to each call,
 * so a seeded generator gives the same examples on every run.
 */
public final class WorldSampler {
    private final FashionItems items;
    private final ClassificationTasks classification;
    private final DetectionTasks detection;
    private final GroundingTasks grounding;

    public WorldSampler(FashionItems items, SceneSpec spec) {
        this.items = items;
        SceneComposer composer = new SceneComposer(items, spec);
        this.classification = new ClassificationTasks(items);
        this.detection = new DetectionTasks(composer);
        this.grounding = new GroundingTasks(composer);
    }

    /** The demo's world on the shipped subset. */
    public static WorldSampler shipped(FashionSplit split) {
        return new WorldSampler(FashionItems.shipped(split), SceneSpec.DEMO);
    }

    public FashionItems items() {
        return items;
    }

    public ClassificationTasks classification() {
        return classification;
    }

    public DetectionTasks detection() {
        return detection;
    }

    public GroundingTasks grounding() {
        return grounding;
    }

    /** One pretraining example of the given kind, with the pretraining rates of {@link WorldRoles}. */
    public WorldSample pretraining(TaskKind kind, String id, RandomGenerator rng) {
        return switch (kind) {
            case CLASSIFICATION -> classification.sample(id, WorldRoles.pretrainingClassification(), rng);
            case DETECTION -> detection.sample(id, WorldRoles.pretrainingDetectionQueries(), WorldRoles.NEGATIVE_RATE,
                    rng);
            case GROUNDING -> grounding.sample(id, rng);
        };
    }
}
