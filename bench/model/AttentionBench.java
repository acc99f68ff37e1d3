// Which attention kernel a forward without autograd should use on the CPU: transformers' eager attention (what
// qwen2vl.Attention computes in blocks for bf16) against libtorch's fused scaled_dot_product_attention, in float32 and
// bf16, at the shapes a GRPO step runs (a vision block with its frame mask, a prefill, G = 8 decode rows, a
// teacher-forced group). Prints the best of several runs of each. Usage: bench/model/attention.sh [THREADS]
import org.visualrft.model.qwen2vl.Attention;
import org.visualrft.model.tensor.*;
public class AttentionBench {
    static void run(String name, DType dt, long b, long h, long sq, long sk, long d, boolean causal, boolean mask, int reps) {
        try (Generator g = Generator.seeded(1); NativeScope outer = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            Tensor q = Tensor.randn(g, DType.F32, b, h, sq, d).to(dt);
            Tensor k = Tensor.randn(g, DType.F32, b, h, sk, d).to(dt);
            Tensor v = Tensor.randn(g, DType.F32, b, h, sk, d).to(dt);
            Tensor allowed = mask ? Tensor.randn(g, DType.F32, sq, sk).gt(-1.0) : null;
            double[] best = {1e9, 1e9};
            for (int r = 0; r < reps; r++) {
                for (int m = 0; m < 2; m++) {
                    long t0 = System.nanoTime();
                    try (NativeScope s = NativeScope.open()) {
                        Tensor o = m == 0 ? Attention.eagerInBlocks(q, k, v, allowed, causal)
                                : Tensor.scaledDotProductAttention(q, k, v, allowed, allowed == null && causal, false);
                        o.sum().item();
                    }
                    best[m] = Math.min(best[m], (System.nanoTime() - t0) / 1e6);
                }
            }
            System.out.printf("%-34s %-4s eager %8.2f ms  fused %8.2f ms  fused/eager %.2f%n", name, dt, best[0], best[1], best[1] / best[0]);
        }
    }
    public static void main(String[] a) {
        Engine.setThreads(a.length > 0 ? Integer.parseInt(a[0]) : 2);
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            run("vision block 1024 tok, 8x64, mask", dt, 1, 8, 1024, 1024, 64, false, true, 5);
            run("vision 2B 1024 tok, 16x80, mask", dt, 1, 16, 1024, 1024, 80, false, true, 3);
            run("prefill 300 causal, 12x128", dt, 1, 12, 300, 300, 128, true, false, 5);
            run("decode G=8 q=1 k=600, 12x128", dt, 8, 12, 1, 600, 128, false, false, 20);
            run("teacher-forced 8x574 causal 12x128", dt, 8, 12, 574, 574, 128, true, false, 2);
        }
    }
}
