package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.visualrft.model.safetensors.Weights;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** The generated weight list is exactly the checkpoint's, so random models have the real shapes. */
class RandomWeightsTest {
    @Test
    void shapesListEveryFixtureTensorWithItsShape() {
        Qwen2VLConfig c = Qwen2VLConfig.load(Fixture.DIR.resolve("config.json"));
        Map<String, long[]> want = new TreeMap<>();
        try (Weights w = Weights.open(Fixture.DIR)) {
            for (String n : w.names()) {
                want.put(n, w.entry(n).shape());
            }
        }
        Map<String, long[]> got = new TreeMap<>(RandomWeights.shapes(c));
        assertEquals(want.keySet(), got.keySet());
        long params = 0;
        for (String n : want.keySet()) {
            assertArrayEquals(want.get(n), got.get(n), n);
            long k = 1;
            for (long d : got.get(n)) {
                k *= d;
            }
            params += k;
        }
        assertEquals(((Number) Fixture.json().raw().get("num_parameters")).longValue(), params);
    }

    @Test
    void randomModelRunsInBf16() {
        Qwen2VLConfig c = Qwen2VLConfig.load(Fixture.DIR.resolve("config.json"));
        try (Qwen2VL m = RandomWeights.model(c, DType.BF16, 1); NativeScope s = NativeScope.open()) {
            Tensor h = m.hidden(m.embed(new int[][] {{1, 2, 3}}, null), new long[][][] {{{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}}, null, true, null);
            assertEquals(DType.BF16, m.logits(h).dtype());
            assertArrayEquals(new long[] {1, 3, 320}, m.logits(h).shape());
        }
    }
}
