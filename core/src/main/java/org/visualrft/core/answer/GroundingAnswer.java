package org.visualrft.core.answer;

import java.util.List;
import org.visualrft.core.geometry.Box;

/**
 * A reasoning-grounding answer: every {@code (x1,y1),(x2,y2)} in the answer text, in order, as written
 * (non-negative integers, 0–1000 normalised for Qwen2-VL; a number too long for Python's {@code int()} ends the list
 * as unparsable).
 *
 * @param text  the answer text the boxes were read from (stripped)
 * @param boxes the boxes in order; the first is the answer
 */
public record GroundingAnswer(String text, List<Box> boxes) {
    public GroundingAnswer {
        boxes = List.copyOf(boxes);
    }

    /** The first box, or null when there is none. */
    public Box first() {
        return boxes.isEmpty() ? null : boxes.get(0);
    }
}
