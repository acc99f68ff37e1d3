package org.visualrft.model.tensor;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.IntPointer;
import org.visualrft.core.BadInputException;
import org.bytedeco.pytorch.global.torch;

/**
 * The CUDA side of the engine: whether a GPU is usable, what it is, synchronisation and memory figures. Everything
 * that needs libtorch's CUDA library goes through {@link CudaNative}, which is loaded only after
 * {@link #available()} said yes, so CPU-only builds and machines never touch it.
 */
public final class Cuda {
    private Cuda() {
    }

    /** True when this build of libtorch has CUDA and at least one GPU is visible. */
    public static boolean available() {
        Engine.load();
        try {
            return torch.cuda_is_available();
        } catch (Throwable t) {
            return false;
        }
    }

    /** How many GPUs libtorch sees (0 on the CPU build). */
    public static int deviceCount() {
        return available() ? torch.cuda_device_count() : 0;
    }

    /**
     * Checks that {@code device} can be used here; the message says why not in one line (CPU build, no GPU visible,
     * index out of range). The CPU always can.
     */
    public static void require(Device device) {
        if (device.isCpu()) {
            return;
        }
        if (!Engine.platformExtension().equals("-gpu")) {
            throw new BadInputException("device " + device, "this is the CPU build of libtorch; build the CUDA one with "
                    + "VRFT_CUDA=1 ./visual-rft or mvn -Pcuda package (docs/gpu.md) on a machine with an NVIDIA driver");
        }
        int n = deviceCount();
        if (n == 0) {
            throw new BadInputException("device " + device, "no CUDA GPU is visible (driver missing, or "
                    + "CUDA_VISIBLE_DEVICES empty?)");
        }
        if (device.index() >= n) {
            throw new BadInputException("device " + device, "only " + n + " GPU(s) are visible");
        }
    }

    /** Waits until every queued kernel on {@code device} has finished (no-op on the CPU). */
    public static void synchronize(Device device) {
        if (device.isCuda()) {
            torch.cuda_synchronize(device.index());
        }
    }

    /** One GPU as the runtime describes it. */
    public record Gpu(int index, String name, long memoryBytes, int major, int minor) {
        public boolean bf16() {
            return major >= 8;
        }
    }

    /** The visible GPUs (empty without CUDA). */
    public static List<Gpu> gpus() {
        List<Gpu> out = new ArrayList<>();
        for (int i = 0; i < deviceCount(); i++) {
            out.add(CudaNative.gpu(i));
        }
        return out;
    }

    /** The CUDA driver's and runtime's versions as {@code major.minor}, e.g. {@code [13.0, 13.1]}. */
    public static String[] driverAndRuntimeVersions() {
        return CudaNative.versions();
    }

    /** Bytes the caching allocator has handed out at its peak since {@link #resetPeakMemory(Device)}. */
    public static long peakAllocatedBytes(Device device) {
        return device.isCuda() ? CudaNative.peakAllocated(device.index()) : 0;
    }

    public static void resetPeakMemory(Device device) {
        if (device.isCuda()) {
            CudaNative.resetPeak(device.index());
        }
    }

    /** Returns cached, unused GPU memory to the driver. */
    public static void emptyCache() {
        if (available()) {
            CudaNative.emptyCache();
        }
    }

    static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    static int read(java.util.function.Consumer<IntPointer> f) {
        try (IntPointer p = new IntPointer(1)) {
            f.accept(p);
            return p.get();
        }
    }
}
