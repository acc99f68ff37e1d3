package org.visualrft.model.lora;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * A linear projection {@code x Wᵀ + b} in PyTorch's {@code [out, in]} layout, with an optional LoRA adapter
 * {@code scale · (x Aᵀ) Bᵀ}. The base weight and bias are frozen; only A and B train. The adapter can be switched off
 * per call, which is how the GRPO reference model (the base model) is computed without a second copy of the weights.
 */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;
    private Tensor loraA; // [rank, in]
    private Tensor loraB; // [out, rank]
    private double scale;

    public Linear(Tensor weight, Tensor bias) {
        this.weight = weight;
        this.bias = bias;
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor bias() {
        return bias;
    }

    public long inFeatures() {
        return weight.size(1);
    }

    public long outFeatures() {
        return weight.size(0);
    }

    public boolean hasAdapter() {
        return loraA != null;
    }

    public Tensor loraA() {
        return loraA;
    }

    public Tensor loraB() {
        return loraB;
    }

    /**
     * Attaches a fresh adapter: A ~ kaiming-uniform(a = √5) as PEFT draws it (uniform in ±1/√in), B = 0.
     * Adapters are kept in float32 whatever the base dtype, so small updates are not lost to bf16 rounding.
     */
    public void attachAdapter(int rank, double scale, Generator gen) {
        double bound = 1.0 / Math.sqrt(inFeatures());
        // drawn on the CPU from the seeded generator, then moved: the same adapter on every device
        try (NativeScope s = NativeScope.open()) {
            this.loraA = s.keep(Tensor.rand(gen, DType.F32, rank, inFeatures()).mul(2 * bound).sub(bound).on(weight.device()));
        }
        this.loraA.persist().requiresGrad(true);
        this.loraB = Tensor.zeros(DType.F32, weight.device(), outFeatures(), rank).persist().requiresGrad(true);
        this.scale = scale;
    }

    /** Attaches an adapter with given values (loading a saved adapter). */
    public void attachAdapter(Tensor a, Tensor b, double scale) {
        this.loraA = a.to(weight.device(), DType.F32).persist().requiresGrad(true);
        this.loraB = b.to(weight.device(), DType.F32).persist().requiresGrad(true);
        this.scale = scale;
    }

    public List<Tensor> trainable() {
        return loraA == null ? List.of() : List.of(loraA, loraB);
    }

    /**
     * The projection, plus the adapter when {@code useAdapter}. The adapter runs in the activations' dtype: its float32
     * weights are cast (a differentiable cast, so gradients still reach them in float32). Casting x up instead, as PEFT
     * does, would keep a float32 copy of every adapted input alive for backward: about half of a bf16 GRPO step's
     * activation memory on Qwen2-VL-2B.
     */
    public Tensor forward(Tensor x, boolean useAdapter) {
        Tensor y = Tensor.linear(x, weight, bias);
        if (useAdapter && loraA != null) {
            DType dt = x.dtype();
            Tensor a = dt == DType.F32 ? loraA : loraA.to(dt);
            Tensor b = dt == DType.F32 ? loraB : loraB.to(dt);
            y = y.add(Tensor.linear(Tensor.linear(x, a, null), b, null).mul(scale));
        }
        return y;
    }

    /**
     * {@code named} for {@link SafeTensorsWriter}, with each weight whose projection in {@code linears} (keyed by the
     * weight's name) has an adapter merged only when its turn to be written comes, and freed once written: a merged
     * save holds one merged weight at a time, not a second copy of every adapted projection.
     */
    public static List<SafeTensorsWriter.Entry> mergedOnWrite(Map<String, Tensor> named, Map<String, Linear> linears) {
        List<SafeTensorsWriter.Entry> out = new ArrayList<>(named.size());
        named.forEach((n, t) -> {
            Linear l = linears.get(n);
            out.add(l != null && l.hasAdapter()
                    ? new SafeTensorsWriter.Entry(n, t.dtype(), t.shape(), l::mergedWeight, true)
                    : SafeTensorsWriter.Entry.of(n, t));
        });
        return out;
    }

    /** W + scale · B A, in the base weight's dtype (the weight that a merged checkpoint holds). */
    public Tensor mergedWeight() {
        if (loraA == null) {
            return weight;
        }
        try (Tensor.GradMode g = Tensor.noGrad()) {
            return weight.to(DType.F32).add(loraB.matmul(loraA).mul(scale)).to(weight.dtype());
        }
    }
}
