package org.visualrft.core.answer;

import java.util.List;

/**
 * A detection answer, parsed the way the original Visual-RFT code reads it (see {@link AnswerExtractor#detection}).
 *
 * @param status      whether boxes were found, the model said {@code No Objects}, or the text is unparsable
 * @param predictions well-formed predictions in the order written, duplicates (same Position by Python tuple
 *                    equality, e.g. {@code 100 == 100.0}) removed keeping the first; empty unless status is
 *                    {@link Status#PREDICTIONS}
 * @param malformed   list elements that were not {@code {'Position': [4 numbers], 'Confidence': number}} and were
 *                    left out
 * @param duplicates  predictions removed as duplicates
 */
public record DetectionAnswer(Status status, List<Prediction> predictions, int malformed, int duplicates) {
    /** What the answer says. */
    public enum Status {
        /** A JSON list was found (possibly empty, possibly with malformed elements). */
        PREDICTIONS,
        /** The answer is the words {@code No Objects} (case and surrounding whitespace ignored). */
        NO_OBJECTS,
        /** Nothing usable: no list, broken JSON, not a list. */
        UNPARSABLE
    }

    public DetectionAnswer {
        predictions = List.copyOf(predictions);
    }

    public static DetectionAnswer unparsable() {
        return new DetectionAnswer(Status.UNPARSABLE, List.of(), 0, 0);
    }

    public static DetectionAnswer noObjects() {
        return new DetectionAnswer(Status.NO_OBJECTS, List.of(), 0, 0);
    }

    /** True when the answer claims there is nothing to detect: {@code No Objects} or an empty list. */
    public boolean saysNothing() {
        return status == Status.NO_OBJECTS || (status == Status.PREDICTIONS && predictions.isEmpty() && malformed == 0);
    }
}
