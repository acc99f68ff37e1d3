package org.visualrft.app.cli;

import org.visualrft.core.io.AtomicFile;
import org.visualrft.core.io.OutputPaths;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.NoSuchFileException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.reward.JsonlRewarder;
import org.visualrft.core.reward.RewardMode;
import org.visualrft.core.reward.RewardOptions;
import org.visualrft.core.reward.RewardRegistry;
import org.visualrft.core.reward.RewardSet;
import org.visualrft.core.reward.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Scores completions from JSON Lines with the verifiable rewards; streams, so any number of lines fits. */
@Command(name = "reward", mixinStandardHelpOptions = true,
        description = {"Score completions with the Visual-RFT rewards.",
            "Input: JSON Lines with \"completion\", \"solution\", optional \"task\" (overrides --task) and optional"
                    + " \"image_size\" ([w, h] or {\"width\": w, \"height\": h}). Output: each line with \"rewards\":"
                    + " {name: value} and \"reward\": sum."})
public final class RewardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--task", paramLabel = "TASK",
            description = "detection, classification or grounding (for lines without a \"task\" field).")
    String task;

    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "strict",
            description = "visual-rft (the original's exact values) or strict (bugs fixed; default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--rewards", paramLabel = "SPEC",
            description = "Reward functions with optional weights, e.g. iou_hungarian,confidence:0.5,format"
                    + " (default: the Visual-RFT list of each task).")
    String rewards;

    @Option(names = "--model-frame", paramLabel = "FRAME", defaultValue = "normalized-1000",
            description = "Frame of the model's boxes: normalized-1000 (Qwen2-VL), resized-pixels (Qwen2.5-VL),"
                    + " original-pixels (default: ${DEFAULT-VALUE}).")
    String modelFrame;

    @Option(names = "--dataset-frame", paramLabel = "FRAME", defaultValue = "normalized-1000",
            description = "Frame of the solution's boxes (default: ${DEFAULT-VALUE}).")
    String datasetFrame;

    @Option(names = "--input", paramLabel = "FILE", description = "Input JSONL (default: standard input).")
    Path input;

    @Option(names = "--output", paramLabel = "FILE",
            description = "Output JSONL, written atomically (default, or -: standard output).")
    Path output;

    @Option(names = "--threads", paramLabel = "N",
            description = "Scoring threads (default: the available processors; output order and values do not"
                    + " depend on it).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        if (output != null && output.toString().equals("-")) {
            output = null; // as --input -: the standard stream
        }
        RewardMode rewardMode = RewardMode.parseOrNull(mode);
        if (rewardMode == null) {
            throw new BadInputException("--mode", "unknown mode '" + mode + "' (visual-rft or strict)");
        }
        Task defaultTask = null;
        if (task != null) {
            defaultTask = Task.parseOrNull(task);
            if (defaultTask == null) {
                throw new BadInputException("--task", "unknown task '" + task
                        + "' (detection, classification or grounding)");
            }
        }
        RewardOptions options = RewardOptions.DEFAULT.withFrames(frame("--model-frame", modelFrame),
                frame("--dataset-frame", datasetFrame));
        RewardSet custom = null;
        if (rewards != null) {
            try {
                custom = RewardRegistry.set(rewards, rewardMode, options);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--rewards", e.getMessage());
            }
        }
        if (output != null) {
            OutputPaths.requireFileTarget("--output", output);
            boolean stdin = input == null || input.toString().equals("-");
            // standard input redirected from the output file (reward --output x.jsonl < x.jsonl) counts too
            Path fd0 = Path.of("/proc/self/fd/0");
            OutputPaths.refuseOverwritingInput("--output", output, java.util.Collections.singletonMap(
                    stdin ? "standard input" : "--input", stdin ? (Files.exists(fd0) ? fd0 : null) : input));
        }
        final RewardSet fixed = custom;
        String source = input == null ? "<stdin>" : input.toString();
        JsonlRewarder rewarder = new JsonlRewarder(source, defaultTask,
                t -> fixed != null ? fixed : RewardRegistry.defaults(t, rewardMode, options));
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        String threadsFault = org.visualrft.core.Limits.threadsFault(n);
        if (threadsFault != null) {
            throw new BadInputException("--threads", threadsFault);
        }
        try (InputStream in = open()) {
            if (output == null) {
                PrintWriter console = spec.commandLine().getOut();
                console.flush();
                if (console instanceof StandardOutput stdout) {
                    // the process's standard output: the lines' bytes go out as they are, a batch per write
                    OutputStream bytes = stdout.bytes();
                    rewarder.run(in, bytes, n);
                    bytes.flush();
                } else {
                    rewarder.run(in, new OutputStream() {
                        // the rewarder writes whole batches of lines, so each call holds complete UTF-8 sequences
                        @Override
                        public void write(byte[] b, int off, int len) {
                            console.write(new String(b, off, len, StandardCharsets.UTF_8));
                        }

                        @Override
                        public void write(int b) {
                            write(new byte[] {(byte) b}, 0, 1);
                        }
                    }, n);
                    console.flush();
                }
            } else {
                writeAtomically(rewarder, in, n);
            }
        }
        return ExitCodes.OK;
    }

    private static CoordinateFrame frame(String option, String value) {
        try {
            return CoordinateFrame.parse(value);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(option, "unknown frame '" + value
                    + "' (normalized-1000, resized-pixels or original-pixels)");
        }
    }

    private InputStream open() {
        if (input == null || input.toString().equals("-")) {
            return System.in;
        }
        if (Files.isDirectory(input)) {
            throw new BadInputException(input, "is a folder, not a JSONL file");
        }
        try {
            return Files.newInputStream(input);
        } catch (NoSuchFileException e) {
            throw new BadInputException(input, "no such file");
        } catch (IOException e) {
            throw new BadInputException(input, "cannot read (" + e.getMessage() + ")");
        }
    }

    private void writeAtomically(JsonlRewarder rewarder, InputStream in, int n) throws IOException {
        Path target = output.toAbsolutePath();
        AtomicFile.write(target, out -> {
            OutputStream w = new BufferedOutputStream(out, 1 << 16);
            rewarder.run(in, w, n);
            w.flush();
        });
    }
}
