package org.visualrft.core.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SceneTest {
    private final FashionItems train = FashionItems.shipped(FashionSplit.TRAIN);

    @Test
    void aSingleItemsBoxIsTheTightBoxOfTheWholeCanvas() {
        SceneComposer composer = new SceneComposer(train, SceneSpec.DEMO);
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 50; i++) {
            Scene s = composer.compose(List.of(FashionClass.values()[i % 10]), rng);
            assertEquals(1, s.items().size());
            assertEquals(s.items().get(0).box(), Canvas.inkBox(s.pixels(), Canvas.SIDE));
        }
    }

    @Test
    void everyBoxEdgeTouchesInkAndItemsBarelyOverlap() {
        SceneComposer composer = new SceneComposer(train, SceneSpec.DEMO);
        SplittableRandom rng = new SplittableRandom(2);
        for (int i = 0; i < 200; i++) {
            Scene s = composer.compose(List.of(FashionClass.BAG, FashionClass.COAT, FashionClass.SANDAL), rng);
            assertTrue(s.items().size() >= 1);
            for (PlacedItem p : s.items()) {
                PixelBox b = p.box();
                assertTrue(b.width() >= 2 && b.width() <= 28 && b.x2() <= Canvas.SIDE && b.y2() <= Canvas.SIDE);
                assertTrue(rowHasInk(s, b.y1(), b) && rowHasInk(s, b.y2() - 1, b), "box " + b);
                for (PlacedItem q : s.items()) {
                    if (q != p) {
                        assertTrue(p.box().iou(q.box()) < SceneSpec.DEMO.maxIou());
                    }
                }
            }
        }
    }

    private static boolean rowHasInk(Scene s, int y, PixelBox b) {
        for (int x = b.x1(); x < b.x2(); x++) {
            if ((s.pixels()[y * s.side() + x] & 0xff) > Canvas.INK_THRESHOLD) {
                return true;
            }
        }
        return false;
    }

    @Test
    void upscalingByTwoKeepsAFlatImageFlat() {
        byte[] flat = new byte[28 * 28];
        java.util.Arrays.fill(flat, (byte) 200);
        for (byte b : Canvas.resize(flat, 28, 56)) {
            assertEquals(200, b & 0xff);
        }
    }

    @Test
    void normalisedCoordinatesUseTheWholeRange() {
        assertEquals(List.of(0, 18, 500, 1000),
                java.util.Arrays.stream(new PixelBox(0, 1, 28, 56).normalised(56)).boxed().toList());
    }

    @Test
    void sceneWithNoClassesIsEmptyNotAFailure() {
        Scene s = new SceneComposer(train, SceneSpec.DEMO).compose(List.of(), new SplittableRandom(3));
        assertTrue(s.items().isEmpty());
        assertFalse(s.contains(FashionClass.BAG));
        assertEquals(null, Canvas.inkBox(s.pixels(), Canvas.SIDE));
    }
}
