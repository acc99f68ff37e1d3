package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Reasoning-grounding examples: 2–3 items of different classes and an instruction such as "the item to the left of
 * the Bag" that picks out exactly one of them. Relational and size instructions are preferred; naming the item
 * ("the Bag") is the fallback that always exists, so generation never fails.
 */
public final class GroundingTasks {
    private static final int SCENE_TRIES = 20;
    /** Share of examples that use a relational or size instruction when the scene offers one. */
    private static final double RELATIONAL_SHARE = 0.8;

    private final SceneComposer composer;

    public GroundingTasks(SceneComposer composer) {
        this.composer = composer;
    }

    public WorldSample sample(String id, RandomGenerator rng) {
        Scene scene = null;
        List<GroundingRelation.Grounding> options = List.of();
        for (int t = 0; t < SCENE_TRIES && options.isEmpty(); t++) {
            scene = composer.compose(distinctClasses(2 + rng.nextInt(2), rng), rng);
            options = GroundingRelation.unambiguous(scene.items());
        }
        if (options.isEmpty()) {
            // every try lost all items to placement failures: make a one-item scene, which "the X" always names
            scene = composer.compose(distinctClasses(1, rng), rng);
            options = GroundingRelation.unambiguous(scene.items());
        }
        List<GroundingRelation.Grounding> relational = options.stream()
                .filter(g -> g.relation() != GroundingRelation.NAMED).toList();
        List<GroundingRelation.Grounding> pickFrom =
                !relational.isEmpty() && rng.nextDouble() < RELATIONAL_SHARE ? relational : options;
        GroundingRelation.Grounding g = pickFrom.get(rng.nextInt(pickFrom.size()));
        return new WorldSample(id, TaskKind.GROUNDING, scene.pixels(), g.target().cls(), g.instruction(),
                List.of(g.target().box()), scene.items());
    }

    private static List<FashionClass> distinctClasses(int n, RandomGenerator rng) {
        List<FashionClass> all = new ArrayList<>(List.of(FashionClass.values()));
        List<FashionClass> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(all.remove(rng.nextInt(all.size())));
        }
        return out;
    }
}
