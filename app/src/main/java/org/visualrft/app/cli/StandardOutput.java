package org.visualrft.app.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * The command line's text output when it is the process's standard output (what {@link VisualRftCommand#run} installs;
 * tests install their own writers). A command that streams bytes (the {@code reward} command's JSON Lines) writes
 * them to {@link #bytes()} directly instead of decoding them into text for the writer to encode again.
 */
final class StandardOutput extends PrintWriter {
    private final PrintStream stream;

    /** Text goes through {@code text} (picocli's own writer over {@code stream}), bytes straight to {@code stream}. */
    StandardOutput(PrintWriter text, PrintStream stream) {
        super(text, true);
        this.stream = stream;
    }

    /** The byte stream under the text; flush this writer before writing to it. */
    OutputStream bytes() {
        return stream;
    }
}
