package org.visualrft.app.cli;

import picocli.CommandLine.Option;

/** The {@code --repetition-penalty} option that {@code generate} and {@code evaluate} share. */
final class RepetitionPenaltyOption {
    @Option(names = "--repetition-penalty", defaultValue = "1.0", paramLabel = "R",
            description = "Hugging Face's repetition_penalty: the logit of every token already in the prompt or the"
                    + " answer is divided by R (multiplied when negative), greedy decoding included; 1 = off (default"
                    + " ${DEFAULT-VALUE}).")
    double penalty;

    /** The penalty; IllegalArgumentException unless finite and positive (the commands make it exit 2). */
    double value() {
        if (!(penalty > 0) || Double.isInfinite(penalty)) {
            throw new IllegalArgumentException("--repetition-penalty must be a finite number > 0 (1: off), got "
                    + penalty);
        }
        return penalty;
    }
}
