package org.visualrft.model.sampling;

import java.util.List;
import java.util.random.RandomGenerator;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The decode loop of a group kept where the model runs (a GPU): the tokens picked by {@link DeviceSampler} go straight
 * back into the model as a device tensor, stop tokens are tracked on the device, and the host waits for the device
 * only to read the "all finished" flag every {@value #CHECK_EVERY} steps and the record once at the end — never once
 * per token. The sampling rules are {@link Sampler}'s; the random draws are the device sampler's (one uniform per row
 * and step, drawn up front from the caller's generator), so a seed repeats a run on the same device.
 *
 * <p>Used by the families that decode with a growing cache (the built-in model, Qwen2.5-VL, Qwen3-VL) when their
 * weights are on a GPU; on the CPU they keep {@link DecodeLoop} and its exact Java-side samples.
 */
public final class DeviceDecodeLoop {
    /** Steps between two reads of the "all finished" flag (each read waits for the device). */
    static final int CHECK_EVERY = 16;

    private DeviceDecodeLoop() {
    }

    /**
     * Whether a model on {@code device} decodes with this loop: on a GPU always; on the CPU only when
     * {@code -Dvrft.sampling.on_device=true} asks (to check a GPU run's sampling, e.g. a training curve, on a CPU).
     */
    public static boolean wanted(Device device) {
        return device.isCuda() || Boolean.getBoolean("vrft.sampling.on_device");
    }

    /** What a model family supplies: its prefill and one decoding step, as device tensors. */
    public interface Steps {
        /**
         * Runs the prompt once (batch 1) and makes its cache serve {@code g} rows; returns the logits of the prompt's
         * last position, {@code [1, vocab]} or {@code [vocab]}.
         */
        Tensor prefill(int g);

        /** Runs one new token per row ({@code tokens [g]}, int64 on the device); returns the logits {@code [g, vocab]}. */
        Tensor step(Tensor tokens);
    }

    /**
     * {@code g} completions; a row stops after any of {@code stop} (included in its tokens). Runs without autograd;
     * each step's temporaries die with its native scope.
     */
    public static List<DecodeLoop.Sample> run(Steps model, int g, int vocab, SamplingParams params, int[] stop,
                                              RandomGenerator rng, Device device) {
        int maxNew = params.maxNewTokens();
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            DeviceSampler sampler = new DeviceSampler(params, g, vocab, stop, rng, device);
            Tensor picked;
            try (NativeScope s = NativeScope.open()) {
                Tensor first = model.prefill(g).to(DType.F32).reshape(1, vocab).expand(g, vocab);
                picked = s.keep(sampler.pickAndRecord(first));
            }
            for (int step = 1; step < maxNew; step++) {
                if (step % CHECK_EVERY == 0 && sampler.allFinished()) {
                    break;
                }
                try (NativeScope s = NativeScope.open()) {
                    Tensor logits = model.step(picked).to(DType.F32).view(g, vocab);
                    picked = s.keep(sampler.pickAndRecord(logits));
                }
            }
            return sampler.record().samples(maxNew);
        }
    }
}
