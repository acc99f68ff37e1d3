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
            List<float[]> plain = new ArrayList<>();
            for (Tensor t : w) {
                plain.add(t.grad().toFloats());
                t.zeroGrad();
            }
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
}
