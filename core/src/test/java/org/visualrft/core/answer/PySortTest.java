package org.visualrft.core.answer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.visualrft.core.answer.py.PyJson;
import org.visualrft.core.answer.py.PySort;

/**
 * {@code sorted(range(n), key=keys.__getitem__, reverse=True)} with NaN keys, where the order depends on CPython's
 * exact sort algorithm. Expected permutations recorded from CPython 3.11.7 (keys: digit d = d/10, N = NaN).
 */
class PySortTest {
    static Object[] keys(String code) {
        Object[] k = new Object[code.length()];
        for (int i = 0; i < k.length; i++) {
            char c = code.charAt(i);
            k[i] = c == 'N' ? PyJson.NAN : (Object) ((c - '0') / 10.0);
        }
        return k;
    }

    static int[] perm(String csv) {
        return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @Test
    void oneRunBinaryInsertion() {
        assertArrayEquals(perm("5,13,14,9,8,12,15,7,16,18,22,27,28,29,31,19,32,23,1,25,26,0,6,17,30,2,3,4,10,21,33,34,"
                + "11,20,24,36,37,39,43,42,45,46,47,48,50,44,35,52,53,54,40,56,58,61,63,66,68,69,57,62,65,41,55,60,67,"
                + "51,64,59,38,49"),
                PySort.descending(keys("23111N2567106886N2N50164033NN6265111NN1965796NN99193NN75N6N2586N36N477")));
    }

    @Test
    void mergedRunsWithGalloping() {
        assertArrayEquals(perm("6,3,9,10,11,14,15,18,22,24,27,13,25,28,21,0,20,32,4,12,23,26,5,8,17,16,19,1,2,7,29,30,"
                + "33,34,38,37,36,39,40,43,44,45,47,48,35,41,49,46,42,50,52,51,31,53,56,55,57,54,58,59,60,61,62,63,69,"
                + "70,65,68,71,76,77,79,82,78,85,83,84,86,87,88,66,74,73,89,90,91,92,93,67,72,80,75,81,64,94,95,96,98,"
                + "102,105,112,119,126,129,97,101,106,115,127,99,111,120,109,110,128,103,107,113,116,121,122,125,108,"
                + "117,118,124,100,114,123,104"),
                PySort.descending(keys("611754904NNN58N934N26795N8598N026NN5347NN50N9N1N85N45N0121N000NN1864799745627N"
                        + "574262251N75NNN90NN8N618N40N8425569418422N6331239859")));
    }

    @Test
    void totalOrderIsAStableDescendingSort() {
        Object[] k = {0.5, 1L, 0.5, Boolean.TRUE, 0.9, 1.0};
        assertArrayEquals(new int[] {1, 3, 5, 4, 0, 2}, PySort.descending(k));
    }
}
