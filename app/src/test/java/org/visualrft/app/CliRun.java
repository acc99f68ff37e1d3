package org.visualrft.app;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.visualrft.app.cli.VisualRftCommand;
import picocli.CommandLine;

/** Runs the CLI in-process and captures its exit code and output; the one helper every CLI test uses. */
public record CliRun(int code, String out, String err) {
    public static CliRun of(String... args) {
        CommandLine cl = VisualRftCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
