package org.visualrft.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The device plumbing of the built-in model, checked on the CPU: creating and loading it with {@link Device#CPU} named
 * explicitly gives the default path's model bit for bit (weights, logits, log-probs, samples), and the decode loop it
 * runs on a GPU ({@link TinyVlm#sampleOnDevice}) gives the Java sampler's greedy tokens and log-probs.
 */
class TinyVlmDevicePathTest {
    static final Prompt PROMPT = TinyFixtures.prompt(4);
    static final List<int[]> COMPLETIONS = List.of(new int[] {5, 9, 2}, new int[] {7});

    @Test
    void explicitCpuDeviceIsTheDefaultPathBitForBit(@TempDir Path dir) {
        try (TinyVlm plain = TinyFixtures.model(dir.resolve("a"), 3, DType.F32);
             TinyVlm onCpu = TinyFixtures.model(dir.resolve("b"), 3, DType.F32, Device.CPU)) {
            assertEquals(Device.CPU, onCpu.device());
            assertSame(plain, onCpu);
            plain.save(dir.resolve("saved"));
        }
        try (Policy loaded = ModelLoader.load(dir.resolve("saved"));
             Policy onCpu = ModelLoader.load(dir.resolve("saved"), LoadOptions.on(Device.CPU));
             Policy viaDevice = ModelLoader.load(dir.resolve("saved"), Device.CPU)) {
            assertSame(loaded, onCpu);
            assertSame(loaded, viaDevice);
            try (Policy ref = onCpu.frozenCopy()) {
                assertEquals(Device.CPU, ref.device());
                assertSame(loaded, ref);
            }
        }
    }

    /** Weights, teacher-forced log-probs (group and batch) and seeded samples identical, everything on the CPU. */
    static void assertSame(Policy a, Policy b) {
        List<Parameter> pa = a.parameters();
        List<Parameter> pb = b.parameters();
        assertEquals(pa.size(), pb.size());
        for (int i = 0; i < pa.size(); i++) {
            assertEquals(pa.get(i).name(), pb.get(i).name());
            assertTrue(pb.get(i).value().isOn(Device.CPU), pb.get(i).name());
            assertArrayEquals(pa.get(i).value().toFloats(), pb.get(i).value().toFloats(), pa.get(i).name());
        }
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            assertArrayEquals(a.logProbs(PROMPT, COMPLETIONS).logProbs().toFloats(),
                    b.logProbs(PROMPT, COMPLETIONS).logProbs().toFloats());
            List<Prompt> prompts = List.of(PROMPT, TinyFixtures.prompt(5));
            assertArrayEquals(a.logProbs(prompts, COMPLETIONS).logProbs().toFloats(),
                    b.logProbs(prompts, COMPLETIONS).logProbs().toFloats());
        }
        if (a instanceof TinyVlm ta && b instanceof TinyVlm tb) {
            assertArrayEquals(ta.fullLogits(PROMPT, new int[] {5, 9}), tb.fullLogits(PROMPT, new int[] {5, 9}));
        }
        List<Rollout> ra = a.generate(PROMPT, 3, SamplingParams.visualRft(8), new SplittableRandom(11));
        List<Rollout> rb = b.generate(PROMPT, 3, SamplingParams.visualRft(8), new SplittableRandom(11));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(ra.get(i).tokens(), rb.get(i).tokens());
            assertArrayEquals(ra.get(i).logProbs(), rb.get(i).logProbs());
        }
    }

    @Test
    void deviceDecodeLoopGivesTheJavaSamplersGreedyTokens(@TempDir Path dir) {
        try (TinyVlm m = TinyFixtures.model(dir, 8, DType.F32, Device.CPU)) {
            // a budget beyond the model's positions is capped the same way on both paths
            SamplingParams greedy = SamplingParams.greedy(1000);
            List<Rollout> host = m.generate(PROMPT, 2, greedy, new SplittableRandom(1));
            List<DecodeLoop.Sample> device = m.sampleOnDevice(PROMPT, 2, greedy, null);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), "row " + i);
                assertEquals(host.get(i).endedWithEos(), device.get(i).endedWithEos());
                for (int t = 0; t < host.get(i).length(); t++) {
                    assertEquals(host.get(i).logProbs()[t], device.get(i).logProbs()[t], 1e-5, "row " + i + " token " + t);
                }
            }
            int room = m.contextLength() - m.promptLength(PROMPT);
            for (DecodeLoop.Sample smp : device) {
                assertTrue(smp.endedWithEos() ? smp.tokens().length <= room : smp.tokens().length == room,
                        smp.tokens().length + " tokens, room for " + room);
            }
            // sampled: seeded, within the vocabulary, log-probs of the drawn tokens as teacher forcing scores them
            List<DecodeLoop.Sample> a = m.sampleOnDevice(PROMPT, 3, SamplingParams.visualRft(8), new SplittableRandom(4));
            List<DecodeLoop.Sample> b = m.sampleOnDevice(PROMPT, 3, SamplingParams.visualRft(8), new SplittableRandom(4));
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                assertTrue(a.get(i).tokens().length >= 1 && a.get(i).tokens().length <= 8);
                try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                    float[] tf = m.logProbs(PROMPT, List.of(a.get(i).tokens())).logProbs().toFloats();
                    for (int t = 0; t < tf.length; t++) {
                        assertEquals(tf[t], a.get(i).logProbs()[t], 1e-4, "row " + i + " token " + t);
                    }
                }
            }
        }
    }
}
