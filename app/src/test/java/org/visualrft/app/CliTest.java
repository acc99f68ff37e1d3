package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.visualrft.app.cli.VisualRftCommand;

class CliTest {
    @Test
    void helpListsCommands() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("doctor"), r.out());
        assertTrue(r.out().contains("demo"), r.out());
    }

    @Test
    void everySubcommandAnswersHelp() {
        // a subcommand with required options must still answer --help (generate once did not)
        for (String name : VisualRftCommand.commandLine().getSubcommands().keySet()) {
            if (name.equals("help")) {
                continue;
            }
            CliRun r = CliRun.of(name, "--help");
            assertEquals(0, r.code(), name + ": " + r.err());
            assertTrue(r.out().contains("Usage: visual-rft " + name), name + ": " + r.out());
        }
    }

    @Test
    void unknownOptionIsUsageError() {
        CliRun r = CliRun.of("--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }

    @Test
    void doctorPassesOnThisMachine() {
        CliRun r = CliRun.of("doctor");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("libtorch    2."), r.out());
        assertTrue(r.out().contains("matmul      ok"), r.out());
    }
}
