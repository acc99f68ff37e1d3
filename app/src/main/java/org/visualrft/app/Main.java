package org.visualrft.app;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.visualrft.app.cli.VisualRftCommand;

/** Entry point of the {@code visual-rft} command. */
public final class Main {
    static {
        // the library's notices (a folder's own chat template, a skipped update) as one line: "WARNING: <message>",
        // not JUL's default two lines with a timestamp and a class name; before any logger is used
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
    }

    // DJL's tokenizer probes for CUDA and warns when a CUDA toolkit exists without a GPU; that says nothing about our
    // CPU engine, so only DJL's errors reach the console. Held in a field: JUL keeps loggers weakly.
    private static final Logger DJL_LOG = Logger.getLogger("ai.djl");

    private Main() {
    }

    public static void main(String[] args) {
        DJL_LOG.setLevel(Level.SEVERE);
        System.exit(VisualRftCommand.run(args));
    }
}
