package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The device plumbing of the Qwen families, checked on the CPU: a folder opened with {@link Device#CPU} named
 * explicitly (with and without LoRA) is the default path's policy bit for bit, and the decode loop Qwen2.5-VL and Qwen3-VL run
 * on a GPU ({@link QwenVlGeneration#sampleOnDevice}) gives transformers' greedy ids for every oracle case.
 */
class QwenVlDevicePathTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void explicitCpuDeviceIsTheDefaultPathBitForBit(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "gate_proj", "down_proj"));
        try (Policy plain = name.equals("qwen2vl-tiny")
                ? Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, lora, 5, null, null))
                : QwenVlPolicy.load(dir, new QwenVlPolicy.Options(DType.F32, lora, 5, null, null));
             Policy onCpu = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, lora, 5))) {
            assertEquals(Device.CPU, onCpu.device());
            assertSame(name, plain, onCpu);
            try (Policy ref = onCpu.frozenCopy(); Policy plainRef = plain.frozenCopy()) {
                assertEquals(Device.CPU, ref.device());
                assertSame(name, plainRef, ref);
            }
        }
        try (Policy plain = ModelLoader.load(dir); Policy onCpu = ModelLoader.load(dir, Device.CPU)) {
            assertSame(name, plain, onCpu);
            try (Policy ref = onCpu.frozenCopy(); Policy plainRef = plain.frozenCopy()) {
                assertSame(name, plainRef, ref);
            }
        }
    }

    static void assertSame(String name, Policy a, Policy b) {
        List<Parameter> pa = a.parameters();
        List<Parameter> pb = b.parameters();
        assertEquals(pa.size(), pb.size());
        for (int i = 0; i < pa.size(); i++) {
            assertEquals(pa.get(i).name(), pb.get(i).name());
            assertTrue(pb.get(i).value().isOn(Device.CPU), pb.get(i).name());
            assertArrayEquals(pa.get(i).value().toFloats(), pb.get(i).value().toFloats(), pa.get(i).name());
        }
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        List<int[]> comps = List.of(new int[] {5, 9, 303}, new int[] {17});
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            assertArrayEquals(a.logProbs(prompt, comps).logProbs().toFloats(), b.logProbs(prompt, comps).logProbs().toFloats());
        }
        List<Rollout> ra = a.generate(prompt, 2, SamplingParams.visualRft(5), new Random(9));
        List<Rollout> rb = b.generate(prompt, 2, SamplingParams.visualRft(5), new Random(9));
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(ra.get(i).tokens(), rb.get(i).tokens());
            assertArrayEquals(ra.get(i).logProbs(), rb.get(i).logProbs());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen25vl-tiny", "qwen3vl-tiny"})
    void deviceDecodeLoopGivesTransformersGreedyIds(String name) {
        try (Oracle o = new Oracle(name); QwenVl model = QwenVl.load(o.dir, DType.F32, Device.CPU)) {
            assertEquals(Device.CPU, model.device());
            for (String c : o.cases()) {
                checkDeviceGreedy(o, model, c);
            }
        }
    }

    /** Greedy ids of {@link QwenVlGeneration#sampleOnDevice} (two rows) equal transformers' generated ids for case {@code c}. */
    static void checkDeviceGreedy(Oracle o, QwenVl model, String c) {
        int[] ids = Oracle.ints(o.caseOf(c).get("input_ids"));
        int[] want = Oracle.ints(o.caseOf(c).get("generated_ids"));
        try (NativeScope s = NativeScope.open()) {
            List<ImageProcessor.Patches> imgs = QwenVlParityTest.oraclePatches(o, model, c);
            QwenVl.Images images = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
            List<DecodeLoop.Sample> got = QwenVlGeneration.sampleOnDevice(model, ids, o.grids(c), images, 2,
                    SamplingParams.greedy(want.length), new int[0], null, true);
            for (DecodeLoop.Sample smp : got) {
                assertArrayEquals(want, smp.tokens(), o.dir.getFileName() + " " + c + ": greedy ids, device decode loop on "
                        + model.device());
            }
        }
    }
}
