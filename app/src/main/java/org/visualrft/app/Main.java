package org.visualrft.app;

import org.visualrft.app.cli.VisualRftCommand;

/** Entry point of the {@code visual-rft} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(VisualRftCommand.run(args));
    }
}
