package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The gradient checks of the vision tests: the summed log-probs of fixed completions as the objective, its analytic
 * derivative along a random direction of some weights (from their gradients), and the same by central differences.
 */
final class DirectionalDerivative {
    static final List<int[]> COMPLETIONS = List.of(new int[] {5, 9, 303}, new int[] {17, 40});

    private DirectionalDerivative() {
    }

    /** The summed log-probs of the completions' tokens. */
    static Tensor objective(GroupLogProbs lp) {
        return lp.logProbs().mul(lp.mask()).sum();
    }

    /** A seeded standard-normal direction, one tensor per weight of {@code ps}. */
    static List<Tensor> randomDirection(List<Parameter> ps, long seed) {
        List<Tensor> direction = new ArrayList<>();
        try (Generator g = Generator.seeded(seed); Tensor.GradMode off = Tensor.noGrad()) {
            for (Parameter v : ps) {
                direction.add(Tensor.randn(g, DType.F32, v.value().shape()).persist());
            }
        }
        return direction;
    }

    /** The derivative along {@code direction} from the gradients a backward left on {@code ps}. */
    static double analytic(List<Parameter> ps, List<Tensor> direction) {
        double d = 0;
        for (int i = 0; i < ps.size(); i++) {
            Tensor grad = ps.get(i).value().grad();
            assertTrue(grad != null, ps.get(i).name() + " has a gradient");
            d += grad.mul(direction.get(i)).sum().item();
        }
        return d;
    }

    /** The same derivative by central differences: f(w + h·d) − f(w − h·d) over 2h. */
    static double numeric(Policy p, Prompt prompt, List<Parameter> ps, List<Tensor> direction, double h) {
        return (shifted(p, prompt, ps, direction, h) - shifted(p, prompt, ps, direction, -h)) / (2 * h);
    }

    /**
     * The check both vision tests make of trained weights {@code ps}: the analytic derivative along a random direction
     * equals central differences within 3%, and is not small (the weights move the log-probs); then a step's image
     * cache changes neither the values nor that derivative, and caches no encoding (the policy encodes on its own).
     */
    static void checkGradientWithAndWithoutCache(Policy p, Prompt prompt, List<Parameter> ps, String name) {
        List<Tensor> direction = randomDirection(ps, 7);
        double analytic;
        try (NativeScope s = NativeScope.open()) {
            objective(p.logProbs(prompt, COMPLETIONS)).backward();
            analytic = analytic(ps, direction);
        }
        double numeric = numeric(p, prompt, ps, direction, 1e-3);
        assertTrue(Math.abs(analytic) > 1e-2, name + ": the weights move the log-probs (" + analytic + ")");
        assertEquals(numeric, analytic, 0.03 * Math.abs(analytic) + 1e-3, name + ": d/d(weights)");
        for (Parameter v : ps) {
            v.value().zeroGrad();
        }
        try (VisionCache cache = new VisionCache(); NativeScope s = NativeScope.open()) {
            GroupLogProbs withCache = p.logProbs(prompt, COMPLETIONS, cache);
            float[] cached = withCache.logProbs().detach().toFloats();
            objective(withCache).backward();
            // the same grad mode as with the cache (kernels may differ between grad modes in the last bit)
            assertArrayEquals(p.logProbs(prompt, COMPLETIONS).logProbs().detach().toFloats(), cached, name);
            assertEquals(analytic, analytic(ps, direction), 1e-6 * Math.abs(analytic), name + ": with a cache");
            assertEquals(0, cache.encodes(), name + ": encodings that carry gradients are never cached");
        }
    }

    /** The objective with {@code ps} moved by {@code h}·direction, then moved back. */
    private static double shifted(Policy p, Prompt prompt, List<Parameter> ps, List<Tensor> direction, double h) {
        try (Tensor.GradMode g = Tensor.noGrad(); NativeScope s = NativeScope.open()) {
            List<Tensor> saved = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                saved.add(ps.get(i).value().detach().copy());
                ps.get(i).value().add_(direction.get(i), h);
            }
            double f = objective(p.logProbs(prompt, COMPLETIONS)).to(DType.F64).item();
            for (int i = 0; i < ps.size(); i++) {
                ps.get(i).value().copy_(saved.get(i));
            }
            return f;
        }
    }
}
