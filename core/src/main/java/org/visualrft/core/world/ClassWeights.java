package org.visualrft.core.world;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.visualrft.core.BadInputException;

/** Non-negative sampling weights over the ten classes; classes with weight 0 are never drawn. */
public final class ClassWeights {
    private final Map<FashionClass, Double> weights;

    private ClassWeights(Map<FashionClass, Double> weights) {
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        if (!(total > 0) || weights.values().stream().anyMatch(w -> w < 0 || w.isNaN())) {
            throw new BadInputException("class weights", "need non-negative weights with a positive sum: " + weights);
        }
        this.weights = weights;
    }

    /** Weight 1 for each listed class, 0 for the others. */
    public static ClassWeights uniform(Set<FashionClass> classes) {
        Map<FashionClass, Double> w = new EnumMap<>(FashionClass.class);
        for (FashionClass c : FashionClass.values()) {
            w.put(c, classes.contains(c) ? 1.0 : 0.0);
        }
        return new ClassWeights(w);
    }

    /** Weight 1 for every class except the listed ones, which get {@code factor}. */
    public static ClassWeights downweighted(Set<FashionClass> classes, double factor) {
        Map<FashionClass, Double> w = new EnumMap<>(FashionClass.class);
        for (FashionClass c : FashionClass.values()) {
            w.put(c, classes.contains(c) ? factor : 1.0);
        }
        return new ClassWeights(w);
    }

    /** A copy with one class's weight replaced. */
    public ClassWeights with(FashionClass c, double weight) {
        Map<FashionClass, Double> w = new EnumMap<>(weights);
        w.put(c, weight);
        return new ClassWeights(w);
    }

    public double weight(FashionClass c) {
        return weights.get(c);
    }

    /** The classes that can be drawn. */
    public Set<FashionClass> support() {
        Set<FashionClass> s = java.util.EnumSet.noneOf(FashionClass.class);
        weights.forEach((c, w) -> {
            if (w > 0) {
                s.add(c);
            }
        });
        return s;
    }

    /** Draws a class proportionally to the weights. */
    public FashionClass draw(RandomGenerator rng) {
        double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
        double u = rng.nextDouble() * total;
        FashionClass last = null;
        for (FashionClass c : FashionClass.values()) {
            double w = weights.get(c);
            if (w <= 0) {
                continue;
            }
            last = c;
            if (u < w) {
                return c;
            }
            u -= w;
        }
        return last;
    }
}
