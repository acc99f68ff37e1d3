package org.visualrft.app;

import java.util.logging.Level;
import java.util.logging.Logger;
import org.visualrft.app.cli.VisualRftCommand;

/** Entry point of the {@code visual-rft} command. */
public final class Main {
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
