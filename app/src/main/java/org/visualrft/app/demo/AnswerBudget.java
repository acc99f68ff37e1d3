package org.visualrft.app.demo;

import org.visualrft.core.world.TaskKind;

/** How many new tokens a completion of each task may take (the longest target plus slack for wrong answers). */
public final class AnswerBudget {
    private AnswerBudget() {
    }

    public static int maxNewTokens(TaskKind kind) {
        return switch (kind) {
            case CLASSIFICATION -> 10;
            case DETECTION -> 48;
            case GROUNDING -> 24;
        };
    }
}
