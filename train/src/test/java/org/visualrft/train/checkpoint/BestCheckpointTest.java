package org.visualrft.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class BestCheckpointTest {
    @Test
    void aStrictlyBetterValueWinsTheFirstOfEqualsStays() {
        BestCheckpoint a = BestCheckpoint.better(null, "reward", 0.5, true, "checkpoint-2");
        assertEquals(new BestCheckpoint("reward", 0.5, "checkpoint-2"), a);
        assertSame(a, BestCheckpoint.better(a, "reward", 0.5, true, "checkpoint-4"), "a tie keeps the earlier");
        assertSame(a, BestCheckpoint.better(a, "reward", 0.4, true, "checkpoint-4"));
        assertEquals("checkpoint-4", BestCheckpoint.better(a, "reward", 0.6, true, "checkpoint-4").checkpoint());
        // lower is better
        assertEquals("checkpoint-4", BestCheckpoint.better(a, "reward", 0.4, false, "checkpoint-4").checkpoint());
        assertSame(a, BestCheckpoint.better(a, "reward", 0.6, false, "checkpoint-4"));
    }

    @Test
    void nanNeverWinsAndAnotherMetricStartsOver() {
        assertNull(BestCheckpoint.better(null, "detection_map", Double.NaN, true, "checkpoint-2"));
        BestCheckpoint a = BestCheckpoint.better(null, "reward", 0.5, true, "checkpoint-2");
        assertSame(a, BestCheckpoint.better(a, "reward", Double.NaN, true, "checkpoint-4"));
        assertNull(BestCheckpoint.better(a, "detection_map", Double.NaN, true, "checkpoint-4"));
        assertEquals(new BestCheckpoint("detection_map", 0.1, "checkpoint-4"),
                BestCheckpoint.better(a, "detection_map", 0.1, true, "checkpoint-4"));
    }
}
