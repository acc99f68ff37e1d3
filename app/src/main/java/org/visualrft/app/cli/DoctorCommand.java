package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * Checks the installation: Java, libtorch, threads, bf16, cache; with {@code --model}, that a model folder opens and
 * answers, and what memory a GRPO run of it holds per rank ({@link ModelCheck}). Exit 0 only when the engine computes
 * correctly (and the model answers).
 */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description = "Check Java, the native engine (libtorch), threads, bf16 support and the cache; with --model, a model folder and the memory training it takes.")
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "DIR", description = "Also open this model folder: its parameters, one"
            + " greedy answer, and the memory a GRPO run of it holds per rank for weights, reference, gradients and"
            + " AdamW's state.")
    Path model;

    @Option(names = "--config", paramLabel = "YAML", description = "With --model: plan for this GRPO config's"
            + " settings (torch_dtype, use_peft, lora_*, freeze_vision_modules, beta, zero_stage, device) instead of"
            + " the defaults.")
    Path config;

    @Option(names = "--nproc", defaultValue = "1", paramLabel = "N", description = "With --model: the data-parallel"
            + " ranks to plan for (zero_stage: 1 shards AdamW's state over them); default ${DEFAULT-VALUE}.")
    int nproc;

    @Option(names = "--device", paramLabel = "DEVICE", description = "With --model: cpu, cuda or cuda:N, where the"
            + " model opens (default: the config's device, else cpu).")
    String device;

    @Override
    public Integer call() {
        if (model == null && (config != null || device != null || spec.commandLine().getParseResult()
                .hasMatchedOption("--nproc"))) {
            throw new ParameterException(spec.commandLine(), "--config, --nproc and --device go with --model DIR");
        }
        if (nproc < 1 || nproc > 1024) {
            throw new ParameterException(spec.commandLine(), "--nproc must be between 1 and 1024, got " + nproc);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("visual-rft  %s%n", VersionInfo.projectVersion());
        out.printf("java        %s (%s) at %s%n", System.getProperty("java.version"), System.getProperty("java.vendor"),
                System.getProperty("java.home"));
        out.printf("cpus        %d available to the JVM, max heap %d MiB%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        String omp = System.getenv("OMP_WAIT_POLICY");
        out.printf("OMP_WAIT_POLICY %s%s%n", omp == null ? "(unset)" : omp,
                "PASSIVE".equalsIgnoreCase(omp) ? "" : "  <- should be PASSIVE: 2 cores thrash otherwise");
        out.printf("djl offline %s%n", System.getProperty("ai.djl.offline", "(unset)"));
        String cache = System.getProperty("org.bytedeco.javacpp.cachedir",
                Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString());
        out.printf("cache dir   %s%n", cache);
        out.flush();
        Engine.SelfCheck check;
        try {
            out.printf("libtorch    %s (presets %s, natives %s)%n", Engine.libtorchVersion(), Engine.presetsVersion(),
                    Engine.nativePlatform());
            out.printf("threads     intra-op %d, inter-op %d%n", Engine.threads(), Engine.interOpThreads());
            check = Engine.selfCheck();
        } catch (RuntimeException e) {
            out.printf("libtorch    FAILED to load: %s%n", VisualRftCommand.describe(e));
            out.flush();
            return ExitCodes.RUN_FAILED;
        }
        out.printf("matmul      %s%n", check.matmulOk() ? "ok" : "WRONG");
        out.printf("backward    %s%n", check.backwardOk() ? "ok" : "WRONG");
        out.printf("bf16 matmul %s%n", check.bf16Ok() ? "ok" : "not available on this CPU");
        boolean gpuOk = reportGpus(out);
        if (!check.detail().isEmpty()) {
            out.printf("detail      %s%n", check.detail());
        }
        boolean ok = check.ok() && gpuOk;
        if (!ok) {
            out.println("doctor: the engine does not compute correctly");
            out.flush();
            return ExitCodes.RUN_FAILED;
        }
        if (model != null) {
            out.flush();
            new ModelCheck(model, config, nproc, device).report(out); // bad input: one line on stderr, exit 2
        }
        out.println("doctor: all checks passed");
        out.flush();
        return ExitCodes.OK;
    }

    /** The CUDA build and its GPUs: names, memory, compute capability, bf16, driver and runtime; a matmul on each. */
    private static boolean reportGpus(PrintWriter out) {
        String build = Engine.platformExtension().equals("-gpu") ? "CUDA build" : "CPU build";
        if (!Cuda.available()) {
            out.printf("cuda        none (%s%s)%n", build, build.equals("CPU build")
                    ? "; `mvn -Pcuda package` makes the CUDA build, see docs/gpu.md" : ": no GPU visible to the driver");
            return true;
        }
        String[] v = Cuda.driverAndRuntimeVersions();
        out.printf("cuda        %s, driver %s, runtime %s, %d GPU(s)%n", build, v[0], v[1], Cuda.deviceCount());
        boolean ok = true;
        for (Cuda.Gpu g : Cuda.gpus()) {
            Engine.SelfCheck c = Engine.selfCheck(Device.cuda(g.index()));
            ok &= c.ok();
            out.printf("gpu %d       %s, %.1f GiB, compute %d.%d, bf16 %s, matmul+backward %s%n", g.index(), g.name(),
                    g.memoryBytes() / 1073741824.0, g.major(), g.minor(), g.bf16() ? "yes" : "no",
                    c.ok() ? "ok" : "WRONG " + c.detail());
        }
        return ok;
    }
}
