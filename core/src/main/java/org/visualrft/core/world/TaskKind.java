package org.visualrft.core.world;

/** The three task families of the paper that the world reproduces. */
public enum TaskKind {
    /** Fine-grained classification (paper Table 2). */
    CLASSIFICATION,
    /** Detection with boxes and confidences, "No Objects" when the category is absent (paper Tables 3 and 7). */
    DETECTION,
    /** Reasoning grounding: one box for a described item (paper Table 6, LISA). */
    GROUNDING
}
