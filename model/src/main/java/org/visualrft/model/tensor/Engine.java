package org.visualrft.model.tensor;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;

import org.bytedeco.pytorch.global.torch;

/**
 * The native engine (libtorch through Bytedeco): loading, version, threads, and a self check.
 * Only the facade package touches Bytedeco types.
 */
public final class Engine {
    private static volatile boolean loaded;

    static {
        // JavaCPP checks the process's physical memory on every native allocation it tracks (each op result is one)
        // to decide when to run the GC: measured 4× the cost of a small op (add on [8,128]: 14 µs → 3.7 µs). Native
        // memory here is freed by NativeScope per step, not by the GC, so the check is turned off unless the user
        // sets the property. Must run before JavaCPP's Pointer class initialises, hence in this class's initialiser.
        if (System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes") == null) {
            System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        }
    }

    private Engine() {
    }

    /** Loads libtorch once; throws an {@link IllegalStateException} with the cause when it cannot. */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        try {
            // On a fresh cache, letting Loader.load extract and load libtorch in one go crashes the JVM
            // (libtorch_cpu is loaded before the bundled libgomp: SIGSEGV in pthread_mutex_lock, 3 of 3 tries).
            // Extracting the whole native folder first and then loading works every time.
            // The CUDA build's natives sit in linux-x86_64-gpu/: the platform plus JavaCPP's platform extension.
            Loader.cacheResources(torch.class, "/org/bytedeco/pytorch/" + Loader.getPlatform() + platformExtension() + "/");
            Loader.load(torch.class);
            loaded = true;
            setBlasThreads(torch.get_num_threads());
        } catch (Throwable t) {
            throw new IllegalStateException("libtorch could not be loaded: " + t, t);
        }
    }

    /** {@code -gpu} when the CUDA build of libtorch is in use (JavaCPP's platform extension), else empty. */
    public static String platformExtension() {
        return System.getProperty("org.bytedeco.javacpp.platform.extension", "");
    }

    /** libtorch's version as its build configuration reports it, e.g. {@code 2.10.0}. */
    public static String libtorchVersion() {
        load();
        try (PointerScope scope = new PointerScope()) {
            BytePointer config = torch.show_config();
            Matcher m = Pattern.compile("TORCH_VERSION=([0-9][^,\\s]*)").matcher(config.getString());
            return m.find() ? m.group(1) : "unknown";
        }
    }

    /** The Bytedeco presets' version of the loaded engine, e.g. {@code 2.10.0-1.5.13}. */
    public static String presetsVersion() {
        Package p = torch.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "unknown" : v;
    }

    /**
     * The natives' platform as JavaCPP names it ({@code linux-x86_64}, {@code macosx-arm64}, …), with the CUDA build's
     * {@code -gpu} extension when it is set: the folder the native libraries are loaded from.
     */
    public static String nativePlatform() {
        return org.bytedeco.javacpp.Loader.getPlatform()
                + System.getProperty("org.bytedeco.javacpp.platform.extension", "");
    }

    /** Intra-op thread count in use. */
    public static int threads() {
        load();
        return torch.get_num_threads();
    }

    /** Inter-op thread count in use. */
    public static long interOpThreads() {
        load();
        return torch.get_num_interop_threads();
    }

    /** Sets the intra-op thread count; it is a measured setting (one thread wins at the built-in model's size). */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + n);
        }
        load();
        torch.set_num_threads(n);
        setBlasThreads(n);
    }

    /**
     * Gives OpenBLAS (libtorch's BLAS here) the same thread budget as libtorch. Left alone it starts one spinning
     * thread per core inside every matrix product, on top of libtorch's own threads: on this 2-core machine under
     * load that made the built-in model's sampling 10× slower (87 vs 860 tokens/s, bench/model/run.sh).
     * {@code OPENBLAS_NUM_THREADS} in the environment does the same before the library starts.
     */
    private static void setBlasThreads(int n) {
        try {
            Loader.load(org.bytedeco.openblas.global.openblas_full.class);
            org.bytedeco.openblas.global.openblas_full.openblas_set_num_threads(n);
        } catch (Throwable t) {
            System.getLogger(Engine.class.getName()).log(System.Logger.Level.DEBUG,
                    "cannot set OpenBLAS threads: " + t);
        }
    }

    /** Seeds libtorch's global generator (used only where an explicit generator is not passed). */
    public static void manualSeed(long seed) {
        load();
        torch.manual_seed(seed);
    }

    /** Result of {@link #selfCheck()}. */
    public record SelfCheck(boolean matmulOk, boolean backwardOk, boolean bf16Ok, String detail) {
        public boolean ok() {
            return matmulOk && backwardOk;
        }
    }

    /**
     * Computes a small matrix product, a backward pass and a bf16 product, and checks them against values known in
     * closed form. Never throws: faults are reported in {@code detail}.
     */
    public static SelfCheck selfCheck() {
        return selfCheck(Device.CPU);
    }

    /** {@link #selfCheck()} with the tensors on {@code device}. */
    public static SelfCheck selfCheck(Device device) {
        StringBuilder detail = new StringBuilder();
        boolean mm = false;
        boolean bw = false;
        boolean bf16 = false;
        try {
            load();
            try (NativeScope scope = NativeScope.open()) {
                // A = [[1,2],[3,4]], B = [[5,6],[7,8]] -> A@B = [[19,22],[43,50]]
                Tensor a = Tensor.fromDoubles(new double[] {1, 2, 3, 4}, 2, 2).on(device).requiresGrad(true);
                Tensor b = Tensor.fromDoubles(new double[] {5, 6, 7, 8}, 2, 2).on(device);
                Tensor c = a.matmul(b);
                double[] got = c.detach().toDoubles();
                double[] want = {19, 22, 43, 50};
                mm = java.util.Arrays.equals(got, want);
                if (!mm) {
                    detail.append("matmul gave ").append(java.util.Arrays.toString(got)).append("; ");
                }
                // d sum(A@B) / dA = ones @ B^T -> rows [11, 15]
                c.sum().backward();
                double[] grad = a.grad().toDoubles();
                bw = java.util.Arrays.equals(grad, new double[] {11, 15, 11, 15});
                if (!bw) {
                    detail.append("backward gave ").append(java.util.Arrays.toString(grad)).append("; ");
                }
                try {
                    Tensor a16 = a.detach().to(DType.BF16);
                    Tensor b16 = b.to(DType.BF16);
                    double[] p = a16.matmul(b16).toDoubles();
                    bf16 = java.util.Arrays.equals(p, want); // small integers are exact in bf16
                    if (!bf16) {
                        detail.append("bf16 matmul gave ").append(java.util.Arrays.toString(p)).append("; ");
                    }
                } catch (RuntimeException e) {
                    detail.append("bf16 matmul failed: ").append(e.getMessage()).append("; ");
                }
            }
        } catch (Throwable t) {
            detail.append(t);
        }
        return new SelfCheck(mm, bw, bf16, detail.toString().trim());
    }
}
