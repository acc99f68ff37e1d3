package org.visualrft.app.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.visualrft.core.ExitCodes;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Checks the installation: Java, libtorch, threads, bf16, cache. Exit 0 only when the engine computes correctly. */
@Command(name = "doctor", mixinStandardHelpOptions = true, versionProvider = VersionInfo.class, description = "Check Java, the native engine (libtorch), threads, bf16 support and the cache.")
public final class DoctorCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
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
        out.println(ok ? "doctor: all checks passed" : "doctor: the engine does not compute correctly");
        out.flush();
        return ok ? ExitCodes.OK : ExitCodes.RUN_FAILED;
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
