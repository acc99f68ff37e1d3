package org.visualrft.app.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import org.visualrft.train.Runs;
import org.visualrft.train.TrainingLoop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code visual-rft train grpo|sft --config run.yaml [--resume]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a model with GRPO (Visual-RFT) or SFT from a YAML config "
        + "(TRL field names; 'preset: visual-rft' pins the original's settings).",
        subcommands = {TrainCommand.Grpo.class, TrainCommand.Sft.class})
public final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--config", required = true, description = "The run's YAML config.")
        Path config;

        @Option(names = "--resume", description = "Continue from the latest complete checkpoint in output_dir.")
        boolean resume;

        @Option(names = "--allow-changed-settings", description = "With --resume: continue even though settings that"
                + " change what the run computes (learning_rate, num_generations, dataset, ...) differ from the"
                + " checkpoint's; they are listed.")
        boolean allowChangedSettings;

        abstract TrainingLoop.Outcome train(PrintStream console, boolean terminal) throws Exception;

        @Override
        public Integer call() throws Exception {
            if (allowChangedSettings && !resume) {
                throw new org.visualrft.core.BadInputException("--allow-changed-settings", "only applies with --resume");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintStream console = new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8);
            boolean terminal = System.console() != null; // redraw the bar in place only on a terminal
            TrainingLoop.Outcome o = train(console, terminal);
            console.flush();
            out.println(String.format(Locale.ROOT, "%s: %d of %d steps done, %d skipped (non-finite loss); "
                    + "last checkpoint %s", spec.name(), o.step(), o.totalSteps(), o.nanSkipped(),
                    o.lastCheckpoint() == null ? "none" : o.lastCheckpoint()));
            out.flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "grpo", mixinStandardHelpOptions = true,
            description = "GRPO (Visual-RFT): G samples per prompt, verifiable rewards, group "
            + "advantages, KL to the frozen base.")
    static final class Grpo extends Base {
        @Override
        TrainingLoop.Outcome train(PrintStream console, boolean terminal) throws Exception {
            return Runs.grpo(config, resume, allowChangedSettings, console, terminal);
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true,
            description = "Supervised fine-tuning on the same data (answer-only or thinking targets).")
    static final class Sft extends Base {
        @Override
        TrainingLoop.Outcome train(PrintStream console, boolean terminal) throws Exception {
            return Runs.sft(config, resume, allowChangedSettings, console, terminal);
        }
    }

    /** Bytes to the command's writer (so in-process callers capture the progress). */
    private static final class WriterStream extends OutputStream {
        private final PrintWriter w;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        WriterStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            pending.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            pending.write(b, off, len);
        }

        @Override
        public void flush() {
            w.write(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
            w.flush();
        }
    }
}
