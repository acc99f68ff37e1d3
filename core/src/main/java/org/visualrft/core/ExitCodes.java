package org.visualrft.core;

/** Process exit codes used by every command of the CLI. */
public final class ExitCodes {
    /** Success. */
    public static final int OK = 0;
    /** The run itself failed (engine error, training diverged, an internal fault). */
    public static final int RUN_FAILED = 1;
    /** Usage error or bad input (a file that is malformed, a wrong option). */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {
    }
}
