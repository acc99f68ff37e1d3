package org.visualrft.model.sampling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
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
         * last position, {@code [1, vocab]} or {@code [vocab]} ({@link #runGroups}: each prompt once, every group's
         * rows served, {@code [groups, vocab]}).
         */
        Tensor prefill(int g);

        /** Runs one new token per row ({@code tokens [g]}, int64 on the device); returns the logits {@code [g, vocab]}. */
        Tensor step(Tensor tokens);
    }

    /**
     * {@code g} completions; a row stops after any of {@code stop} (included in its tokens). {@code prompt} (the
     * prompt's ids, image pads included) starts each row's history for a repetition penalty. Runs without autograd;
     * each step's temporaries die with its native scope.
     */
    public static List<DecodeLoop.Sample> run(Steps model, int g, int vocab, int[] prompt, SamplingParams params,
                                              int[] stop, RandomGenerator rng, Device device) {
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            DeviceSampler sampler = new DeviceSampler(params, g, vocab, prompt, stop, rng, device);
            return loop(model, sampler, g, vocab, params.maxNewTokens(),
                    first -> first.reshape(1, vocab).expand(g, vocab));
        }
    }

    /**
     * Several prompts' groups of {@code g} rows decoded together, group after group: {@code model}'s prefill returns
     * each prompt's last-position logits {@code [groups, vocab]}, and its steps take and give {@code groups · g} rows.
     * Group i draws from {@code rngs.get(i)} what {@link #run} draws for it alone and is cut at its own limit
     * {@code maxNew[i]} (the steps run to the largest; params' own limit is not used). Group i's rows start their
     * histories (for a repetition penalty) from {@code prompts.get(i)}.
     */
    public static List<List<DecodeLoop.Sample>> runGroups(Steps model, int g, int[] maxNew, int vocab,
                                                          List<int[]> prompts, SamplingParams params, int[] stop,
                                                          List<? extends RandomGenerator> rngs, Device device) {
        int groups = rngs.size();
        int rows = groups * g;
        int longest = Arrays.stream(maxNew).max().orElseThrow();
        SamplingParams all = params.withMaxNewTokens(longest);
        List<DecodeLoop.Sample> samples;
        try (Tensor.GradMode ng = Tensor.noGrad(); NativeScope outer = NativeScope.open()) {
            DeviceSampler sampler = DeviceSampler.forGroups(all, g, maxNew, vocab, prompts, stop, rngs, device);
            samples = loop(model, sampler, rows, vocab, longest,
                    first -> first.reshape(groups, 1, vocab).expand(groups, g, vocab).reshape(rows, vocab));
        }
        List<List<DecodeLoop.Sample>> out = new ArrayList<>(groups);
        for (int i = 0; i < groups; i++) {
            List<DecodeLoop.Sample> group = new ArrayList<>(g);
            for (DecodeLoop.Sample smp : samples.subList(i * g, (i + 1) * g)) {
                // a row without EOS by its prompt's limit decoded on (its prompt's steps were over): cut there
                group.add(smp.tokens().length <= maxNew[i] ? smp : new DecodeLoop.Sample(
                        Arrays.copyOf(smp.tokens(), maxNew[i]), Arrays.copyOf(smp.logProbs(), maxNew[i]), false));
            }
            out.add(group);
        }
        return out;
    }

    /** Prefill, then steps until every row finished or {@code maxNew} tokens; {@code rowsOf} spreads the prefill's logits. */
    private static List<DecodeLoop.Sample> loop(Steps model, DeviceSampler sampler, int rows, int vocab, int maxNew,
                                                UnaryOperator<Tensor> rowsOf) {
        Tensor picked;
        try (NativeScope s = NativeScope.open()) {
            Tensor first = rowsOf.apply(model.prefill(rows).to(DType.F32));
            picked = s.keep(sampler.pickAndRecord(first));
        }
        for (int step = 1; step < maxNew; step++) {
            if (step % CHECK_EVERY == 0 && sampler.allFinished()) {
                break;
            }
            try (NativeScope s = NativeScope.open()) {
                Tensor logits = model.step(picked).to(DType.F32).view(rows, vocab);
                picked = s.keep(sampler.pickAndRecord(logits));
            }
        }
        return sampler.record().samples(maxNew);
    }
}
