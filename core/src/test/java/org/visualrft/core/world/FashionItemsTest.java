package org.visualrft.core.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;

class FashionItemsTest {
    @Test
    void shippedSubsetHasTheDocumentedCounts() {
        FashionItems train = FashionItems.shipped(FashionSplit.TRAIN);
        FashionItems test = FashionItems.shipped(FashionSplit.TEST);
        assertEquals(5000, train.size());
        assertEquals(2500, test.size());
        for (FashionClass c : FashionClass.values()) {
            assertEquals(500, train.indicesOf(c).size(), c.displayName());
            assertEquals(250, test.indicesOf(c).size(), c.displayName());
        }
    }

    @Test
    void itemsAreRealImagesNotBlank() {
        FashionItems test = FashionItems.shipped(FashionSplit.TEST);
        for (int i = 0; i < test.size(); i += 97) {
            int ink = 0;
            for (byte b : test.pixels(i)) {
                ink += (b & 0xff) > Canvas.INK_THRESHOLD ? 1 : 0;
            }
            assertTrue(ink > 20, "item " + i + " has only " + ink + " ink pixels");
        }
    }

    @Test
    void noClassNameIsASubstringOfAnotherUnderThePapersNormalisation() {
        // the paper's classification reward: norm(gt) in norm(ans) or norm(ans) in norm(gt)
        for (String a : FashionClass.names()) {
            for (String b : FashionClass.names()) {
                if (!a.equals(b)) {
                    assertTrue(!norm(a).contains(norm(b)), a + " contains " + b);
                }
            }
        }
    }

    private static String norm(String s) {
        return s.replace(" ", "").replace("_", "").toLowerCase(java.util.Locale.ROOT);
    }

    @Test
    void idxWithWrongMagicIsBadInput() {
        byte[] labels = IdxImages.encodeLabels(new byte[] {1, 2});
        BadInputException e = assertThrows(BadInputException.class,
                () -> IdxImages.readImages(new ByteArrayInputStream(labels), "x.gz"));
        assertTrue(e.getMessage().startsWith("x.gz: not an IDX image file"), e.getMessage());
    }

    @Test
    void truncatedIdxIsBadInput() {
        byte[] full = IdxImages.encodeImages(28, 28, new byte[][] {new byte[784], new byte[784]});
        // re-encode with a header claiming 3 images but only 2 present
        byte[][] two = {new byte[784], new byte[784]};
        byte[] encoded = IdxImages.encodeImages(28, 28, two);
        assertEquals(2, IdxImages.readImages(new ByteArrayInputStream(full), "ok").pixels().length);
        byte[] cut = Arrays.copyOf(encoded, encoded.length / 2);
        assertThrows(BadInputException.class, () -> IdxImages.readImages(new ByteArrayInputStream(cut), "cut.gz"));
    }

    @Test
    void subsetBuilderTakesTheFirstItemsOfEachClassInFileOrder() {
        byte[] labels = {3, 1, 3, 3, 1, 0};
        assertEquals(java.util.List.of(0, 1, 2, 4, 5), SubsetBuilder.firstPerClass(labels, 2));
    }
}
