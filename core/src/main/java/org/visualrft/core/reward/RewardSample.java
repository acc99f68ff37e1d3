package org.visualrft.core.reward;

import java.util.Map;
import org.visualrft.core.geometry.ImageSize;

/**
 * What a reward knows about the sample a completion answers.
 *
 * @param solution  the dataset's {@code solution} column, e.g. {@code <answer>[{'Position': [...], ...}]</answer>}
 * @param task      the task, or null when the caller's reward set already implies it
 * @param imageSize the original image size, needed only to convert between coordinate frames; may be null
 * @param columns   any other dataset columns (e.g. {@code synonyms}: a list of accepted labels); never null
 */
public record RewardSample(String solution, Task task, ImageSize imageSize, Map<String, Object> columns) {
    public RewardSample {
        if (solution == null) {
            throw new IllegalArgumentException("solution must not be null");
        }
        columns = columns == null ? Map.of() : columns;
    }

    /** A sample with just the solution. */
    public static RewardSample of(String solution) {
        return new RewardSample(solution, null, null, Map.of());
    }
}
