// Peak memory of one optimiser update (gradient clipping + AdamW) over bf16 parameters with float32 masters, as the
// trainer runs it: inside the step's native scope. Prints the growth above the state (weights, gradients, moments,
// masters) at its peak, per trained parameter: of the resident set on the CPU (Linux: /proc/self/status,
// clear_refs), of the caching allocator's allocated bytes on a GPU.
// Usage: bench/train/optimizer-memory.sh [MILLIONS_OF_PARAMETERS] [TENSORS] [cpu|cuda]   (defaults 100, 20, cpu)
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.tensor.Cuda;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.optim.AdamW;
import org.visualrft.train.optim.GradClip;

public class OptimizerStepMemory {
    public static void main(String[] args) throws Exception {
        long millions = args.length > 0 ? Long.parseLong(args[0]) : 100;
        int tensors = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        Device device = args.length > 2 ? Device.parse(args[2]) : Device.CPU;
        Cuda.require(device);
        Engine.setThreads(1);
        long each = millions * 1_000_000 / tensors;
        List<Tensor> params = new ArrayList<>();
        for (int i = 0; i < tensors; i++) {
            Tensor p = Tensor.zeros(DType.BF16, device, each).requiresGrad(true).persist();
            params.add(p);
            try (NativeScope s = NativeScope.open()) {
                p.to(DType.F32).mul(0.5).sum().backward(); // a gradient of 0.5 everywhere
            }
        }
        try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0)) {
            for (int round = 1; round <= 3; round++) {
                System.gc();
                Cuda.synchronize(device);
                long base = device.isCuda() ? 0 : status("VmRSS");
                if (device.isCuda()) {
                    Cuda.resetPeakMemory(device);
                    base = Cuda.peakAllocatedBytes(device) / 1024; // the peak is now what is allocated
                } else {
                    Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM to the current RSS
                }
                long t0 = System.nanoTime();
                try (NativeScope step = NativeScope.open()) {
                    GradClip.clip(params, 1.0);
                    opt.step(1e-3);
                }
                Cuda.synchronize(device);
                double s = (System.nanoTime() - t0) / 1e9;
                long peak = device.isCuda() ? Cuda.peakAllocatedBytes(device) / 1024 : status("VmHWM");
                System.out.printf("round %d (" + device + "): %d M bf16 parameters in %d tensors: peak growth %.0f MiB = %.1f bytes per"
                        + " parameter; %.2f s%n", round, millions, tensors, (peak - base) / 1024.0,
                        (peak - base) * 1024.0 / (each * tensors), s);
            }
        }
    }

    /** A /proc/self/status field in KiB. */
    static long status(String field) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException(field);
    }
}
