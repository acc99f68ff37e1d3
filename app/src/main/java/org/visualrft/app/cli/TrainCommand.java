package org.visualrft.app.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.DistBackend;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Rendezvous;
import org.visualrft.train.Runs;
import org.visualrft.train.TrainingLoop;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code visual-rft train grpo|sft --config run.yaml [--resume] [--nproc N]}. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Fine-tune a model with GRPO (Visual-RFT) or SFT from a YAML config "
        + "(TRL field names; 'preset: visual-rft' pins the original's settings).",
        subcommands = {TrainCommand.Grpo.class, TrainCommand.Sft.class})
public final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Without a trainer there is nothing to run: a usage error (exit 2), as a missing option is. */
    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                "name the trainer: visual-rft train grpo --config RUN.yaml, or train sft");
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

        @Option(names = "--nproc", defaultValue = "1", description = "Data-parallel worker processes on this machine "
                + "(default ${DEFAULT-VALUE}); the global batch is per_device_train_batch_size x "
                + "gradient_accumulation_steps x nproc. Under torchrun-style launchers (WORLD_SIZE, RANK, "
                + "MASTER_ADDR, MASTER_PORT, LOCAL_RANK set) leave it at 1.")
        int nproc;

        @Option(names = "--dist-backend", defaultValue = "auto", description = "c10d backend: auto (Gloo for CPU "
                + "tensors, NCCL for CUDA), gloo or nccl (default ${DEFAULT-VALUE}).")
        String distBackend;

        @Option(names = "--dist-timeout", defaultValue = "60", description = "Seconds a rank waits for the others "
                + "(rendezvous and every collective) before the run fails (default ${DEFAULT-VALUE}).")
        int distTimeout;

        @Option(names = "--device", description = "cpu, cuda or cuda:N: where the model, its optimiser state and every "
                + "step run (overrides the config's device:; the CUDA build is needed, see docs/gpu.md). Under data "
                + "parallel, cuda is each rank's own GPU.")
        String device;

        /** This process's device: the option's, else the config's, mapped to the rank's own GPU (set by call()). */
        Device rankDevice;

        abstract TrainingLoop.Outcome train(PrintStream console, boolean terminal, ProcessGroup group)
                throws Exception;

        /** The --device option, parsed (null when not given: the config decides). */
        Device deviceOption() {
            if (device == null) {
                return null;
            }
            try {
                return Device.parse(device);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--device", "must be cpu, cuda or cuda:N, got '" + device + "'");
            }
        }

        /** The device the run will use, for the choice of the c10d backend: the option's, else the config's. */
        private Device runDevice() {
            Device d = deviceOption();
            if (d != null) {
                return d;
            }
            return spec.name().equals("sft") ? org.visualrft.train.config.SftConfig.load(config).args().device()
                    : org.visualrft.train.config.GrpoConfig.load(config).args().device();
        }

        @Override
        public Integer call() throws Exception {
            if (nproc < 1) {
                throw new BadInputException("--nproc", "must be at least 1, got " + nproc);
            }
            if (distTimeout < 1) {
                throw new BadInputException("--dist-timeout", "must be at least 1 (seconds), got " + distTimeout);
            }
            if (allowChangedSettings && !resume) {
                throw new BadInputException("--allow-changed-settings", "only applies with --resume");
            }
            Duration timeout = Duration.ofSeconds(distTimeout);
            Device dev = runDevice();
            DistBackend backend = DistBackend.parse(distBackend, dev);
            if (backend == DistBackend.NCCL && dev.isCpu()) { // before any rank starts: NCCL moves CUDA tensors only
                throw new BadInputException("--dist-backend", "nccl moves CUDA tensors only, but this run's device is "
                        + "cpu; use gloo (or auto), or --device cuda with the CUDA build of libtorch (docs/gpu.md)");
            }
            if (nproc > 1) {
                List<String> args = new ArrayList<>(List.of("train", spec.name(), "--config", config.toString(),
                        "--dist-backend", backend.toString(), "--dist-timeout", String.valueOf(distTimeout)));
                if (resume) {
                    args.add("--resume");
                }
                if (allowChangedSettings) {
                    args.add("--allow-changed-settings");
                }
                if (device != null) {
                    args.addAll(List.of("--device", device));
                }
                return WorkerLauncher.launch(nproc, args, timeout, spec.commandLine().getOut(),
                        spec.commandLine().getErr());
            }
            Rendezvous rv = Rendezvous.fromEnvironment(System.getenv(), backend, dev, timeout);
            if (rv != null) { // this rank's own GPU for a bare cuda: LOCAL_RANK picks it (torchrun's contract)
                dev = Runs.rankDevice(dev, rv.localRank(), rv.worldSize(), Cuda::deviceCount);
                rv = new Rendezvous(rv.masterAddr(), rv.masterPort(), rv.rank(), rv.worldSize(), rv.localRank(),
                        rv.backend(), dev, rv.timeout(), rv.storeHosted());
            }
            rankDevice = dev;
            try (ProcessGroup group = rv == null ? ProcessGroup.single() : ProcessGroup.connect(rv)) {
                return run(group);
            }
        }

        private Integer run(ProcessGroup group) throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintStream console = new PrintStream(new WriterStream(out), true, StandardCharsets.UTF_8);
            boolean terminal = System.console() != null; // redraw the bar in place only on a terminal
            TrainingLoop.Outcome o = train(console, terminal, group);
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
        TrainingLoop.Outcome train(PrintStream console, boolean terminal, ProcessGroup group) throws Exception {
            return Runs.grpo(config, resume, allowChangedSettings, console, terminal, group, rankDevice);
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true,
            description = "Supervised fine-tuning on the same data (answer-only or thinking targets).")
    static final class Sft extends Base {
        @Override
        TrainingLoop.Outcome train(PrintStream console, boolean terminal, ProcessGroup group) throws Exception {
            return Runs.sft(config, resume, allowChangedSettings, console, terminal, group, rankDevice);
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
