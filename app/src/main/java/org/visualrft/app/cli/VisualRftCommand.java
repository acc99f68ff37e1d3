package org.visualrft.app.cli;

import java.io.PrintWriter;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The root command. Subcommands are listed here as they land. Conventions: exit 0 ok, 1 run failed, 2 usage or bad
 * input; errors are one line naming the file and the fault, stack traces only with {@code --verbose}.
 */
@Command(name = "visual-rft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class,
        description = "Visual-RFT: visual reinforcement fine-tuning of vision-language models with verifiable rewards.",
        subcommands = {
            // one line per subcommand, in the order --help lists them
            DemoCommand.class,
            DoctorCommand.class,
            GenerateCommand.class,
            PretrainCommand.class,
            CocoEvalCommand.class,
            LvisEvalCommand.class,
            SplitCommand.class,
            BuildDatasetCommand.class,
            RewardCommand.class,
            TrainCommand.class,
            CommandLine.HelpCommand.class
        })
public final class VisualRftCommand implements Runnable {
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces with errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with the project's error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new VisualRftCommand());
        cl.setExecutionExceptionHandler(VisualRftCommand::handleExecutionException);
        cl.setParameterExceptionHandler(VisualRftCommand::handleParameterException);
        cl.setUsageHelpAutoWidth(true);
        return cl;
    }

    /** Runs the CLI and returns the exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    private static boolean verbose(CommandLine cl) {
        CommandLine root = cl;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Object cmd = root.getCommand();
        return cmd instanceof VisualRftCommand v && v.verbose;
    }

    private static int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = verbose(cl);
        if (ex instanceof BadInputException bad) {
            err.println("visual-rft " + cl.getCommandName() + ": " + bad.getMessage());
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return ExitCodes.BAD_INPUT;
        }
        err.println("visual-rft " + cl.getCommandName() + ": failed: " + describe(ex)
                + (verbose ? "" : " (run with --verbose for the stack trace)"));
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.RUN_FAILED;
    }

    private static int handleParameterException(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println("visual-rft " + cl.getCommandName() + ": " + ex.getMessage());
        err.println("Try 'visual-rft " + (cl.getParent() == null ? "" : cl.getCommandName() + " ") + "--help'.");
        err.flush();
        return ExitCodes.BAD_INPUT;
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
}
