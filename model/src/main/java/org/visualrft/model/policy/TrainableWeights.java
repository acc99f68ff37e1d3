package org.visualrft.model.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.visualrft.model.tensor.Tensor;

/**
 * The parameter lists of a policy built from named base weights and optional LoRA adapters: all of them, and what
 * full fine-tuning trains.
 */
public final class TrainableWeights {
    private TrainableWeights() {
    }

    /** Every base weight in {@code weights}' order, then the adapters. */
    public static List<Parameter> all(Map<String, Tensor> weights, List<Parameter> adapters) {
        List<Parameter> out = new ArrayList<>();
        weights.forEach((n, t) -> out.add(new Parameter(n, t)));
        out.addAll(adapters);
        return out;
    }

    /**
     * Refuses full fine-tuning of the vision tower beside LoRA adapters: with adapters the base weights stay frozen,
     * and an unfrozen tower gets adapters of its own ({@code LoraConfig.visionTower}).
     */
    public static void visionWithoutAdapters(boolean trainVision, Object lora) {
        if (trainVision && lora != null) {
            throw new IllegalArgumentException("LoRA adapters keep every base weight frozen: the vision tower cannot"
                    + " train in full beside them (it takes adapters of its own instead)");
        }
    }

    /**
     * Full fine-tuning: the base weights {@code frozen} does not hold back (e.g. the vision tower), switched to
     * requiring gradients (the first call does it).
     */
    public static List<Parameter> fullFineTuning(Map<String, Tensor> weights, Predicate<String> frozen) {
        List<Parameter> out = new ArrayList<>();
        weights.forEach((n, t) -> {
            if (!frozen.test(n)) {
                if (!t.requiresGrad()) {
                    t.requiresGrad(true);
                }
                out.add(new Parameter(n, t));
            }
        });
        return out;
    }
}
