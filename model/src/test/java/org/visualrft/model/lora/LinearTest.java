package org.visualrft.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** A LoRA projection: merging gives the adapted projection; switched off it is the base; a fresh adapter is a no-op. */
class LinearTest {
    static double maxAbs(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void mergedWeightEqualsAdapterForwardAndOffIsTheBase() {
        try (NativeScope s = NativeScope.open(); Generator g = Generator.seeded(5)) {
            Linear l = new Linear(Tensor.randn(g, DType.F32, 6, 4), Tensor.randn(g, DType.F32, 6));
            Tensor x = Tensor.randn(g, DType.F32, 3, 4);
            float[] base = l.forward(x, true).toFloats();
            l.attachAdapter(2, 1.5, g);
            assertArrayEquals(base, l.forward(x, true).detach().toFloats(), 0f, "B = 0 at the start");
            l.attachAdapter(Tensor.randn(g, DType.F32, 2, 4), Tensor.randn(g, DType.F32, 6, 2), 1.5);
            Tensor merged = new Linear(l.mergedWeight(), l.bias()).forward(x, false);
            assertArrayEquals(l.forward(x, true).detach().toFloats(), merged.toFloats(), 1e-5f);
            assertArrayEquals(base, l.forward(x, false).toFloats(), 0f, "adapter off = base");
            assertTrue(maxAbs(base, merged.toFloats()) > 1e-3);
        }
    }

    @Test
    void mergedOnWriteMergesAdaptedWeightsOnlyWhenAskedAndFreesOnlyThose() {
        try (NativeScope s = NativeScope.open(); Generator g = Generator.seeded(6)) {
            Linear adapted = new Linear(Tensor.randn(g, DType.F32, 6, 4), null);
            adapted.attachAdapter(Tensor.randn(g, DType.F32, 2, 4), Tensor.randn(g, DType.F32, 6, 2), 1.5);
            Linear plain = new Linear(Tensor.randn(g, DType.F32, 3, 4), null);
            Tensor norm = Tensor.randn(g, DType.F32, 4);
            Map<String, Tensor> named = new LinkedHashMap<>();
            named.put("a.weight", adapted.weight());
            named.put("norm.weight", norm);
            named.put("p.weight", plain.weight());
            List<SafeTensorsWriter.Entry> entries = Linear.mergedOnWrite(named,
                    Map.of("a.weight", adapted, "p.weight", plain));
            assertEquals(List.of("a.weight", "norm.weight", "p.weight"),
                    entries.stream().map(SafeTensorsWriter.Entry::name).toList());
            SafeTensorsWriter.Entry a = entries.get(0);
            assertTrue(a.closeAfterWrite(), "a merged copy is freed once written");
            assertArrayEquals(new long[] {6, 4}, a.shape());
            assertArrayEquals(adapted.mergedWeight().toFloats(), a.value().get().toFloats(), 0f);
            for (SafeTensorsWriter.Entry e : entries.subList(1, 3)) {
                assertFalse(e.closeAfterWrite(), "a live weight is written as it is and stays open");
                assertSame(named.get(e.name()), e.value().get());
            }
        }
    }

    @Test
    void configRejectsUnknownTargetsAndBadRank() {
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(8, 16, Set.of("qkv")));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 16, Set.of("q_proj")));
        assertTrue(LoraConfig.allLinear(16, 32).scale() == 2.0);
        // rank-stabilised LoRA (PEFT's use_rslora): alpha / sqrt(r)
        assertTrue(new LoraConfig(16, 32, Set.of("q_proj"), true).scale() == 8.0);
        assertTrue(new LoraConfig(4, 8, Set.of("q_proj"), false).scale() == 2.0);
    }
}
