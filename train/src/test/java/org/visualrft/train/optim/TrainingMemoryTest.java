package org.visualrft.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.train.TinyTask;
import org.visualrft.train.config.GrpoConfig;

/**
 * The memory plan ({@code doctor --model}) against what a run allocates, measured on the objects the trainer makes:
 * the reference's own bytes from an actual {@code frozenCopy()} (storage shared with the policy not counted), the
 * gradients from an actual backward, AdamW's state from an optimiser built for each rank with ZeRO stage 1's plan.
 * Full fine-tuning with the tower trained and frozen, and LoRA, on the tiny Qwen2-VL and Qwen3-VL folders; the built-in
 * model with its encoder trained and frozen.
 */
class TrainingMemoryTest {
    static final Path FIXTURES = Path.of(System.getProperty("vrft.fixtures", "../fixtures"));

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "qwen2vl-tiny | ''", "qwen2vl-tiny | freeze_vision_modules: true", "qwen2vl-tiny | use_peft: true",
        "qwen3vl-tiny | ''", "qwen3vl-tiny | freeze_vision_modules: true", "qwen3vl-tiny | use_peft: true",
        "qwen25vl-tiny | 'use_peft: true\nfreeze_vision_modules: false'", "vrft-tiny | ''",
        "vrft-tiny | freeze_vision_modules: true"})
    void thePlanIsWhatARunAllocates(String fixture, String settings, @TempDir Path dir) throws Exception {
        Path oracle = FIXTURES.resolve(fixture.equals("vrft-tiny") ? "qwen2vl-tiny" : fixture); // its image_a.png
        Path model = Files.createDirectories(dir.resolve("model"));
        if (fixture.equals("vrft-tiny")) {
            try (TinyVlm m = TinyTask.model(dir, 3)) {
                m.save(model);
            }
        } else {
            TinyQwenFolder.create(model, oracle);
        }
        GrpoConfig cfg = GrpoConfig.parse("test", "model: '" + model + "'\ndataset: d.jsonl\noutput_dir: out\n"
                + settings + "\n");
        LoadOptions options = cfg.args().loadOptions(Device.CPU);
        try (Policy policy = ModelLoader.load(model, options)) {
            List<Parameter> all = policy.parameters();
            List<Parameter> trained = policy.trainableParameters();
            boolean lora = options.lora() != null;

            TrainingMemory one = TrainingMemory.of(all, trained, lora, true, 1, false);
            assertEquals(measuredReferenceBytes(policy), one.referenceBytes(), "the reference's own weights");
            assertEquals(measuredGradientBytes(policy, oracle), one.gradientBytes(), "one gradient per trained weight");
            assertEquals(stateBytes(trained, 1), one.optimizerBytes());
            if (lora) {
                assertEquals(0, one.referenceBytes(), "the base with the adapters off");
            } else if (settings.isEmpty()) {
                assertEquals(one.weightBytes(), one.gradientBytes(), "every weight trains");
            }

            for (int world : new int[] {2, 3}) {
                TrainingMemory zero = TrainingMemory.of(all, trained, lora, true, world, true);
                assertEquals(stateBytes(trained, world), zero.optimizerBytes(), world + " ranks");
                assertTrue(zero.optimizerBytes() < one.optimizerBytes(), "a share is smaller than the whole");
                assertEquals(one.optimizerBytes(), TrainingMemory.of(all, trained, lora, true, world, false)
                        .optimizerBytes(), "without ZeRO every rank holds the whole state");
            }
            assertEquals(0, TrainingMemory.of(all, trained, lora, false, 1, false).referenceBytes(), "beta 0");
        }
    }

    /** Bytes of an actual reference's weights whose storage the policy does not already hold. */
    private static long measuredReferenceBytes(Policy policy) {
        Policy ref = policy.frozenCopy();
        long own = 0;
        for (Parameter r : ref.parameters()) {
            boolean shared = false;
            for (Parameter p : policy.parameters()) {
                shared |= p.value().sameData(r.value());
            }
            own += shared ? 0 : r.value().numel() * r.value().dtype().bytes();
        }
        ref.close(); // closes only what the copy owns
        return own;
    }

    private static long measuredGradientBytes(Policy policy, Path oracle) throws Exception {
        Prompt prompt = new Prompt(Image.read(oracle.resolve("image_a.png")), "What is in the image ?");
        try (NativeScope s = NativeScope.open()) {
            policy.logProbs(prompt, List.of(new int[] {5, 9, 30}, new int[] {17, 40})).logProbs().sum().backward();
        }
        long bytes = 0;
        for (Parameter p : policy.trainableParameters()) {
            Tensor g = p.value().grad();
            bytes += g == null ? 0 : g.numel() * g.dtype().bytes();
        }
        return bytes;
    }

    /** The largest state an AdamW built for one rank of {@code world} under ZeRO stage 1 allocates. */
    private static long stateBytes(List<Parameter> trained, int world) {
        List<Tensor> params = new ArrayList<>();
        trained.forEach(p -> params.add(p.value()));
        OptimizerShards plan = world == 1 ? OptimizerShards.unsharded(params.size())
                : OptimizerShards.plan(params, world);
        long most = 0;
        for (int r = 0; r < world; r++) {
            try (AdamW opt = new AdamW(params, 0.9, 0.999, 1e-8, 0.0, plan, r)) {
                most = Math.max(most, opt.stateBytes());
            }
        }
        return most;
    }
}
