package org.visualrft.app.cli;

import picocli.CommandLine.Option;

/** The {@code --repetition-penalty} option that {@code generate} and {@code evaluate} share. */
final class RepetitionPenaltyOption {
    @Option(names = "--repetition-penalty", paramLabel = "R",
            description = "Hugging Face's repetition_penalty: the logit of every token already in the prompt or the"
                    + " answer is divided by R (multiplied when negative), greedy decoding included; 1 = off (default"
                    + " 1; given, it overrides the repetition_penalty of --generation-config's file).")
    Double penalty;

    /** Whether the option was given (then it overrides a generation config's value). */
    boolean given() {
        return penalty != null;
    }

    /** The penalty (1 when not given); IllegalArgumentException unless finite and positive (the commands: exit 2). */
    double value() {
        if (penalty == null) {
            return 1.0;
        }
        if (!(penalty > 0) || Double.isInfinite(penalty)) {
            throw new IllegalArgumentException("--repetition-penalty must be a finite number > 0 (1: off), got "
                    + penalty);
        }
        return penalty;
    }
}
