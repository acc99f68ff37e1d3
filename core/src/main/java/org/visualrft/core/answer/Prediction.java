package org.visualrft.core.answer;

/**
 * One predicted box as the model wrote it: {@code {'Position': [x1, y1, x2, y2], 'Confidence': c}}, in the model's
 * coordinate frame (0–1000 normalised for Qwen2-VL). Values are exactly the numbers in the text (Python ints as the
 * nearest double); nothing is validated here: {@link #isValid()} says whether a strict consumer should trust it.
 */
public record Prediction(double x1, double y1, double x2, double y2, double confidence) {

    /** Finite coordinates with positive width and height, and a finite confidence in [0, 1]. */
    public boolean isValid() {
        return Double.isFinite(x1) && Double.isFinite(y1) && Double.isFinite(x2) && Double.isFinite(y2)
                && x2 > x1 && y2 > y1 && Double.isFinite(confidence) && confidence >= 0.0 && confidence <= 1.0;
    }
}
