package org.visualrft.core.reward;

import java.util.Locale;

/** The three Visual-RFT tasks, each with its own reward functions. */
public enum Task {
    DETECTION,
    CLASSIFICATION,
    GROUNDING;

    /** The lower-case name used in files and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code detection}, {@code classification} or {@code grounding}; null for anything else. */
    public static Task parseOrNull(String s) {
        if (s == null) {
            return null;
        }
        return switch (s) {
            case "detection" -> DETECTION;
            case "classification" -> CLASSIFICATION;
            case "grounding" -> GROUNDING;
            default -> null;
        };
    }
}
