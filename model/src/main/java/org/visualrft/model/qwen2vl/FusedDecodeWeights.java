package org.visualrft.model.qwen2vl;

import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The decoder weights as one rollout's decode step reads them: q, k and v stacked into one projection (weights and
 * biases), gate and up stacked into another, and LoRA adapters merged ({@code W + scale·B·A}, computed in float32 and
 * rounded once to the base dtype) so a decode step runs no adapter matmuls.
 *
 * <p>Built from the policy's current weights at the start of every rollout (full fine-tuning and LoRA both change them
 * every step) in the caller's {@link NativeScope}, so they are freed with the rollout. The copies cost the stacked
 * projections (Qwen2-VL-2B in bf16: q/k/v 0.18 GB + gate/up 1.5 GB), the o projection when it is merged or
 * reordered (0.13 GB) and the merged down projection (0.77 GB); otherwise o and down are the model's own tensors.
 */
final class FusedDecodeWeights {
    /**
     * One decoder layer: {@code qkv} is {@code [(heads + 2·kvHeads)·headDim, hidden]}, {@code gateUp}
     * {@code [2·intermediate, hidden]}; {@code qkvBias} is null without q/k/v biases (Qwen3), {@code qNorm}/{@code kNorm}
     * null without per-head q/k RMSNorms (Qwen2).
     */
    record Layer(Tensor inputNorm, Tensor qkv, Tensor qkvBias, Tensor qNorm, Tensor kNorm, Tensor o, Tensor postNorm,
                 Tensor gateUp, Tensor down) {
    }

    private FusedDecodeWeights() {
    }

    /**
     * The layers of {@code w}, adapters merged when {@code adapters} (the base model otherwise). With
     * {@code oByGroup} the o projection's input columns are reordered from (kv head, query head of its group, dim)
     * to (query head of its group, kv head, dim): the order in which libtorch's fused attention kernels lay out the
     * output of the decode step's grouped query rows, so it feeds the projection without a copy. Call without autograd.
     */
    static List<Layer> of(StaticDecoding model, boolean adapters, boolean oByGroup) {
        List<Layer> out = new ArrayList<>();
        StaticDecoding.Shape c = model.decoderShape();
        int kv = c.kvHeads();
        int group = c.heads() / kv;
        for (DecoderLayerWeights l : model.decoderLayers()) {
            try (NativeScope s = NativeScope.open()) {
                Tensor qkv = s.keep(Tensor.cat(List.of(weight(l.q(), adapters), weight(l.k(), adapters),
                        weight(l.v(), adapters)), 0));
                Tensor qkvBias = l.q().bias() == null ? null
                        : s.keep(Tensor.cat(List.of(l.q().bias(), l.k().bias(), l.v().bias()), 0));
                Tensor gateUp = s.keep(Tensor.cat(List.of(weight(l.gate(), adapters), weight(l.up(), adapters)), 0));
                Tensor o = weight(l.o(), adapters);
                if (oByGroup) {
                    long rows = o.size(0);
                    o = o.view(rows, kv, group, c.headDim()).transpose(1, 2).reshape(rows, o.size(1));
                }
                o = keepIfMade(s, o, l.o());
                Tensor down = keepIfMade(s, weight(l.down(), adapters), l.down());
                out.add(new Layer(l.inputNorm(), qkv, qkvBias, l.qNorm(), l.kNorm(), o, l.postNorm(), gateUp, down));
            }
        }
        return out;
    }

    /** The projection's weight as the decode step uses it: merged with its adapter when there is one and it applies. */
    private static Tensor weight(Linear p, boolean adapters) {
        return adapters && p.hasAdapter() ? p.mergedWeight() : p.weight();
    }

    /** A merged weight was made in scope {@code s} and must outlive it; the model's own weight needs nothing. */
    private static Tensor keepIfMade(NativeScope s, Tensor w, Linear p) {
        return w == p.weight() ? w : s.keep(w);
    }
}
