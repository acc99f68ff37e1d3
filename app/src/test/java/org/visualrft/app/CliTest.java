package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.visualrft.app.cli.VisualRftCommand;
import picocli.CommandLine;

class CliTest {
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsCommands() {
        Run r = run("--help");
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
            Run r = run(name, "--help");
            assertEquals(0, r.code(), name + ": " + r.err());
            assertTrue(r.out().contains("Usage: visual-rft " + name), name + ": " + r.out());
        }
    }

    @Test
    void unknownOptionIsUsageError() {
        Run r = run("--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }

    @Test
    void doctorPassesOnThisMachine() {
        Run r = run("doctor");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("libtorch    2."), r.out());
        assertTrue(r.out().contains("matmul      ok"), r.out());
    }
}
