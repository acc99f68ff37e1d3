package org.visualrft.model.policy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** The per-step image cache: one encoding per (image, tower), kept past the encoding call's scope until closed. */
class VisionCacheTest {
    static Image image(float v) {
        return Image.gray(2, 2, new float[] {v, v, v, v});
    }

    @Test
    void encodesEachImageOncePerTowerAndOutlivesTheCallersScope() {
        Image a = image(0.1f);
        Image sameValues = image(0.1f); // another object: keyed by identity, so encoded on its own
        Object tower = new Object();
        Object otherTower = new Object();
        AtomicInteger runs = new AtomicInteger();
        Supplier<VisionCache.Entry> encode = () -> {
            float r = runs.incrementAndGet();
            return new VisionCache.Entry(new int[] {1, 2, 2}, List.of(Tensor.fromFloats(new float[] {r, r}, 1, 2),
                    Tensor.fromFloats(new float[] {-r}, 1, 1)));
        };
        try (VisionCache cache = new VisionCache()) {
            VisionCache.Entry first;
            try (NativeScope s = NativeScope.open()) {
                first = cache.get(a, tower, encode);
            }
            // the caller's scope is closed: the entry's tensors are still there, and no second forward runs
            VisionCache.Entry again;
            try (NativeScope s = NativeScope.open()) {
                again = cache.get(a, tower, encode);
                assertArrayEquals(new float[] {1, 1}, again.embeddings().toFloats());
                assertArrayEquals(new float[] {-1}, again.tensors().get(1).toFloats());
            }
            assertSame(first, again);
            assertEquals(1, runs.get());
            assertArrayEquals(new int[] {1, 2, 2}, again.grid());

            cache.get(a, otherTower, encode); // another tower's features are never taken for this one's
            cache.get(sameValues, tower, encode);
            assertEquals(3, runs.get());
            assertEquals(3, cache.encodes());
            cache.close();
            assertThrows(IllegalStateException.class, () -> cache.get(a, tower, encode));
        }
    }
}
