package org.visualrft.app.cli;

import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Placeholder until the built-in benchmark lands: says what it will do and exits 2. */
@Command(name = "demo", description = "Few-shot Visual-RFT vs SFT on the built-in model and Fashion-MNIST data "
        + "(not yet available).")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("visual-rft demo: not available yet. It will pretrain-load the built-in "
                + "tiny VLM, fine-tune it with SFT and with Visual-RFT (GRPO) on 1-, 2- and 4-shot Fashion-MNIST "
                + "classification, detection and grounding, and report accuracy, mAP and mIoU in the layout of the "
                + "paper's tables.");
        return ExitCodes.BAD_INPUT;
    }
}
