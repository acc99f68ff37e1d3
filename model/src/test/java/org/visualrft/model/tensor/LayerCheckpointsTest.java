package org.visualrft.model.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link LayerCheckpoints} on a small stack: the same gradients as the plain backward, for the weights and the input. */
class LayerCheckpointsTest {
    @Test
    void gradientsEqualThePlainBackward() {
        try (NativeScope s = NativeScope.open(); Generator gen = Generator.seeded(1)) {
            List<Tensor> w = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                w.add(Tensor.randn(gen, DType.F32, 4, 4).mul(0.5).requiresGrad(true));
            }
            Tensor leaf = Tensor.randn(gen, DType.F32, 2, 4).requiresGrad(true);
            Tensor target = Tensor.randn(gen, DType.F32, 2, 4);
            LayerCheckpoints.Layer layer = (i, x) -> x.matmul(w.get(i)).tanh().add(x);
            // plain
            Tensor x = leaf.mul(2.0);
            for (int i = 0; i < 3; i++) {
                x = layer.apply(i, x);
            }
            x.mul(target).sum().backward();
            List<float[]> plain = takeGrads(w);
            float[] plainInput = leaf.grad().toFloats();
            leaf.zeroGrad();
            // checkpointed
            LayerCheckpoints cp = LayerCheckpoints.run(leaf.mul(2.0), 3, layer);
            cp.output().mul(target).sum().backward();
            cp.backward();
            for (int i = 0; i < 3; i++) {
                assertNotNull(w.get(i).grad());
                assertArrayEquals(plain.get(i), w.get(i).grad().toFloats(), 1e-6f, "weight " + i);
            }
            assertArrayEquals(plainInput, leaf.grad().toFloats(), 1e-6f, "input");
        }
    }

    /**
     * {@link LayerCheckpoints#runTapped}: the outputs of layers 0 and 2 of five are read outside the stack too (as
     * Qwen3-VL's DeepStack mergers read vision blocks' outputs); the gradients of every weight and of the input equal
     * the plain backward's, and the tapped values the plain forward's.
     */
    @Test
    void tappedOutputsGetTheirGradientsIntoTheLayersBeforeThem() {
        try (NativeScope s = NativeScope.open(); Generator gen = Generator.seeded(2)) {
            int n = 5;
            int[] taps = {2, 0};
            List<Tensor> w = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                w.add(Tensor.randn(gen, DType.F32, 4, 4).mul(0.5).requiresGrad(true));
            }
            Tensor leaf = Tensor.randn(gen, DType.F32, 3, 4).requiresGrad(true);
            List<Tensor> targets = new ArrayList<>();
            for (int i = 0; i <= taps.length; i++) {
                targets.add(Tensor.randn(gen, DType.F32, 3, 4));
            }
            LayerCheckpoints.Layer layer = (i, x) -> x.matmul(w.get(i)).tanh().add(x);
            // plain: the loss reads the output and the tapped layers' outputs
            Tensor x = leaf.mul(2.0);
            List<Tensor> at = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                x = layer.apply(i, x);
                at.add(x);
            }
            Tensor loss = x.mul(targets.get(0)).sum();
            for (int k = 0; k < taps.length; k++) {
                loss = loss.add(at.get(taps[k]).square().mul(targets.get(k + 1)).sum());
            }
            loss.backward();
            List<float[]> plain = takeGrads(w);
            float[] plainInput = leaf.grad().toFloats();
            leaf.zeroGrad();
            // checkpointed in segments ending at the taps
            LayerCheckpoints.Tapped cp = LayerCheckpoints.runTapped(leaf.mul(2.0), n, layer, taps);
            Tensor l2 = cp.output().mul(targets.get(0)).sum();
            for (int k = 0; k < taps.length; k++) {
                assertArrayEquals(at.get(taps[k]).detach().toFloats(), cp.tapped().get(k).toFloats(), 1e-6f, "tap " + k);
                l2 = l2.add(cp.tapped().get(k).square().mul(targets.get(k + 1)).sum());
            }
            l2.backward();
            cp.backward().run();
            for (int i = 0; i < n; i++) {
                assertNotNull(w.get(i).grad());
                assertArrayEquals(plain.get(i), w.get(i).grad().toFloats(), 1e-5f, "weight " + i);
            }
            assertArrayEquals(plainInput, leaf.grad().toFloats(), 1e-5f, "input");
        }
    }

    /** The weights' gradients, which are then zeroed for the next backward. */
    private static List<float[]> takeGrads(List<Tensor> w) {
        List<float[]> out = new ArrayList<>();
        for (Tensor t : w) {
            out.add(t.grad().toFloats());
            t.zeroGrad();
        }
        return out;
    }
}
