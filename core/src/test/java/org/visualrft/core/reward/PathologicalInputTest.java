package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Inputs that break naive parsers: deep nesting on a small thread stack, huge texts, many tags. */
class PathologicalInputTest {
    static final String GT = "<answer>[{'Position': [1, 2, 3, 4], 'Confidence': 1}]</answer>";

    /** Every function in both modes on a thread with a 256 KiB stack; returns the sum of the rewards. */
    static double scoreAllOnSmallStack(String completion) throws InterruptedException {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                double sum = 0;
                for (RewardMode m : RewardMode.values()) {
                    for (String name : RewardRegistry.names()) {
                        sum += RewardRegistry.create(name, m, RewardOptions.DEFAULT)
                                .score(completion, RewardSample.of(GT));
                    }
                }
                out.set(sum);
            } catch (Throwable e) {
                out.set(e);
            }
        }, "small-stack", 256 * 1024);
        t.start();
        t.join();
        if (out.get() instanceof Throwable e) {
            throw new AssertionError("a reward threw on pathological input", e);
        }
        return (Double) out.get();
    }

    @Test
    void deepNestingNeitherOverflowsTheStackNorScores() throws Exception {
        String deep = "<think>x</think><answer>" + "[ ".repeat(50_000) + "</answer>";
        assertEquals(2.0, scoreAllOnSmallStack(deep), "only format scores (once per mode)");
        String deepButValid = "<think>x</think><answer>[{'Position': [1, 2, 3, 4], 'Confidence': 0.5, 'x': "
                + "[ ".repeat(500) + "1" + " ]".repeat(500) + "}]</answer>";
        // within Python's recursion limit the list parses; per mode: format 1, iou 1, confidence 0.5,
        // iou_hungarian 1, ap 1, box_count 1, accuracy 0, giou 0 (the last two are other tasks' rewards)
        assertEquals(2 * 5.5, scoreAllOnSmallStack(deepButValid), 1e-12);
    }

    @Test
    void hugeTextsAndManyTagsAreLinear() throws Exception {
        // quadratic scanning would take minutes here; linear takes milliseconds
        assertEquals(0.0, scoreAllOnSmallStack("<answer>\n".repeat(200_000) + "</answer>"));
        assertEquals(0.0, scoreAllOnSmallStack("(".repeat(300_000) + "1".repeat(300_000)));
    }
}
