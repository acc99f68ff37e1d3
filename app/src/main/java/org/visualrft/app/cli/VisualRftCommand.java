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
        description = "Visual-RFT: visual reinforcement fine-tuning of vision-language models with verifiable rewards.")
public final class VisualRftCommand implements Runnable {
    /** The subcommands, in the order --help lists them. */
    private static final java.util.List<Class<?>> SUBCOMMANDS = java.util.List.of(
            DemoCommand.class,
            DoctorCommand.class,
            GenerateCommand.class,
            PretrainCommand.class,
            CocoEvalCommand.class,
            LvisEvalCommand.class,
            EvaluateCommand.class,
            MergeCommand.class,
            SplitCommand.class,
            BuildDatasetCommand.class,
            RewardCommand.class,
            TrainCommand.class,
            CommandLine.HelpCommand.class);

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
        return commandLine(SUBCOMMANDS);
    }

    private static CommandLine commandLine(java.util.List<Class<?>> subcommands) {
        CommandLine cl = new CommandLine(new VisualRftCommand());
        for (Class<?> c : subcommands) {
            cl.addSubcommand(c);
        }
        cl.setExecutionExceptionHandler(VisualRftCommand::handleExecutionException);
        cl.setParameterExceptionHandler(VisualRftCommand::handleParameterException);
        cl.setUsageHelpAutoWidth(true);
        cl.setExecutionStrategy(VisualRftCommand::executeCatchingOutOfMemory);
        return cl;
    }

    /** Runs the CLI and returns the exit code. */
    public static int run(String... args) {
        // picocli builds every subcommand's model before parsing (~0.3 s for all of them): the streaming reward
        // command, often run in scripts and pipelines, gets a tree of itself alone (help and errors are the same)
        CommandLine cl = args.length > 0 && args[0].equals("reward") ? commandLine(java.util.List.of(RewardCommand.class))
                : commandLine();
        cl.setOut(new StandardOutput(cl.getOut(), System.out));
        return cl.execute(args);
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
        BadInputException bad = ErrorLines.asBadInput(ex);
        if (bad != null) {
            err.println("visual-rft " + cl.getCommandName() + ": " + ErrorLines.oneLine(bad.getMessage()));
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
        return ErrorLines.describe(t);
    }

    /** Picocli's usual strategy, except that running out of Java heap is one line and exit 1, not a stack trace. */
    private static int executeCatchingOutOfMemory(CommandLine.ParseResult parsed) {
        try {
            return new CommandLine.RunLast().execute(parsed);
        } catch (OutOfMemoryError e) {
            CommandLine cl = parsed.subcommands().isEmpty() ? parsed.commandSpec().commandLine()
                    : parsed.asCommandLineList().get(parsed.asCommandLineList().size() - 1);
            PrintWriter err = cl.getErr();
            err.println("visual-rft " + cl.getCommandName() + ": failed: out of Java heap memory ("
                    + ErrorLines.oneLine(describe(e)) + "); use smaller settings (samples, num_generations, batch"
                    + " size, image size) or give Java more memory: VRFT_JAVA_OPTS=-Xmx<size>");
            err.flush();
            return ExitCodes.RUN_FAILED;
        }
    }
}
