package org.visualrft.app.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.visualrft.app.demo.PretrainConfig;
import org.visualrft.app.demo.Pretrainer;
import org.visualrft.core.BadInputException;
import org.visualrft.core.ExitCodes;
import org.visualrft.core.Limits;
import org.visualrft.core.io.OutputPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Pretrains the built-in model on the Fashion-MNIST world (how the shipped base model was made). */
@Command(name = "pretrain", mixinStandardHelpOptions = true, description = "Pretrain the built-in tiny VLM from scratch on the Fashion-MNIST world "
        + "(classification, detection with 40%% negative queries, grounding); writes a model folder.")
public final class PretrainCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "models/vrft-tiny-base", description = "Model folder to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights and the data stream (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--steps", defaultValue = "10000", description = "Optimiser steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--decay-steps", defaultValue = "3000", description = "Final steps of linear learning-rate decay (default: ${DEFAULT-VALUE}).")
    int decaySteps;

    @Option(names = "--minutes", defaultValue = "0", description = "Time budget; at 85%% of it the run fixes its length and decays (0 = none; default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--cls", defaultValue = "8", description = "Classification examples per step (default: ${DEFAULT-VALUE}).")
    int cls;

    @Option(names = "--det", defaultValue = "16", description = "Detection examples per step (default: ${DEFAULT-VALUE}).")
    int det;

    @Option(names = "--ground", defaultValue = "8", description = "Grounding examples per step (default: ${DEFAULT-VALUE}).")
    int ground;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--warmup", defaultValue = "50", description = "Warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--cot-share", defaultValue = "0.8", description = "Share of examples with chain of thought (default: ${DEFAULT-VALUE}).")
    double cotShare;

    @Option(names = "--eval-every", defaultValue = "1000", description = "Evaluate and save every N steps (default: ${DEFAULT-VALUE}).")
    int evalEvery;

    @Option(names = "--eval-size", defaultValue = "60", description = "Monitoring examples per task (default: ${DEFAULT-VALUE}).")
    int evalSize;

    @Option(names = "--threads", defaultValue = "1", description = "libtorch intra-op threads; 1 is fastest for this model size (default: ${DEFAULT-VALUE}).")
    int threads;

    @Override
    public Integer call() throws Exception {
        if (Limits.threadsFault(threads) != null) {
            throw new BadInputException("--threads", Limits.threadsFault(threads));
        }
        OutputPaths.requireFolderOrAbsent("--out", out);
        requireNoOtherModel(out);
        PretrainConfig config = new PretrainConfig(out, seed, steps, decaySteps, minutes, cls, det, ground, lr, warmup, cotShare,
                evalEvery, evalSize, threads);
        PrintStream console = System.out;
        new Pretrainer(config, console).run();
        console.println("pretrain: model written to " + out);
        return ExitCodes.OK;
    }

    /**
     * A folder holding another kind of model (a Qwen-VL checkpoint, say) is not overwritten: pretrain replaces a
     * folder's config.json, weights and tokenizer, which is what remaking {@code models/vrft-tiny-base} means, and
     * only that.
     */
    static void requireNoOtherModel(Path out) {
        Path config = out.resolve("config.json");
        if (!java.nio.file.Files.isRegularFile(config)) {
            return;
        }
        String type;
        try {
            type = new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.toFile()).path("model_type")
                    .asText("");
        } catch (java.io.IOException e) {
            type = "";
        }
        if (!type.equals("vrft-tiny")) {
            throw new BadInputException("--out", out + " holds another model (config.json model_type '" + type
                    + "'); pretrain writes a vrft-tiny model and would replace its files: choose another --out");
        }
    }
}
