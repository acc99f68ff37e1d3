package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.tensor.CudaTestDevice;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Qwen2.5-VL and Qwen3-VL on CUDA against transformers' fixtures (float32), every case: image embeddings (DeepStack
 * included) on the GPU, logits within 1e-4 relative, greedy ids equal through the host decode loop and the device
 * one, also with every case decoded beside the others ({@link QwenVlPolicy#generateGroups}'s decode); and LoRA on
 * the GPU: gradients reach the adapters there, and the merged save, read back on the host, gives the
 * GPU model's logits. Skipped, with the reason printed, where no CUDA GPU is visible (CI, laptops).
 */
class CudaQwenVlTest {
    /** cuda:0; {@code -Dvrft.cuda.test.device=cpu} dry-runs the test's own logic on the CPU (no GPU needed). */
    static final Device GPU = CudaTestDevice.device();

    @TempDir
    Path tmp;

    @BeforeAll
    static void gpu() {
        CudaTestDevice.assumeVisible(GPU, CudaQwenVlTest.class);
    }

    @TestFactory
    Stream<DynamicTest> logitsAndGreedyIdsMatchTransformersOnCuda() {
        return QwenVlParityTest.FIXTURES.stream().map(f -> DynamicTest.dynamicTest(f, () -> {
            try (Oracle o = new Oracle(f); QwenVl model = QwenVl.load(o.dir, DType.F32, GPU)) {
                assertEquals(GPU, model.device());
                for (String c : o.cases()) {
                    int[] ids = Oracle.ints(o.caseOf(c).get("input_ids"));
                    List<int[]> grids = o.grids(c);
                    try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                        List<ImageProcessor.Patches> imgs = QwenVlParityTest.oraclePatches(o, model, c);
                        QwenVl.Images images = imgs.isEmpty() ? null : model.encodeImages(imgs, null);
                        if (images != null) {
                            assertTrue(images.embeds().isOn(GPU), c + ": image embeddings on the GPU");
                            for (Tensor d : images.deepstack()) {
                                assertTrue(d.isOn(GPU), c + ": DeepStack features on the GPU");
                            }
                        }
                        Tensor h = model.hidden(model.embed(new int[][] {ids}, images),
                                new long[][][] {model.positions(ids, grids).ids()}, null, true, null);
                        Tensor logits = model.logits(h).squeeze(0);
                        assertTrue(logits.isOn(GPU));
                        double e = Oracle.relError(logits.toFloats(), o.floats(c + ".logits"));
                        assertTrue(e < 1e-4, f + " " + c + ": logits on cuda, max|Δ|/max|ref| = " + e);
                        int[] want = Oracle.ints(o.caseOf(c).get("generated_ids"));
                        List<DecodeLoop.Sample> host = QwenVlGeneration.sample(model, ids, grids, images, 1,
                                SamplingParams.greedy(want.length), new int[0], null, null, true);
                        assertArrayEquals(want, host.get(0).tokens(), f + " " + c + ": greedy ids, host decode loop on cuda");
                    }
                    QwenVlDevicePathTest.checkDeviceGreedy(o, model, c);
                }
                QwenVlGroupsTest.checkOracleGroupsGreedy(o, model); // rollout_batch_groups: all cases in one decode
            }
        }));
    }

    /**
     * The static-cache engine with its decode step replayed as a CUDA graph (what a GRPO run on a GPU samples with):
     * transformers' greedy ids for every case, alone and all together; then, LoRA on, the same samples as the
     * growing-cache device loop (the oracle cases as prompts).
     */
    @TestFactory
    Stream<DynamicTest> staticEngineWithTheCudaGraphOnCuda() {
        return QwenVlParityTest.FIXTURES.stream().map(f -> DynamicTest.dynamicTest(f, () -> {
            try (Oracle o = new Oracle(f); QwenVlPolicy p = policyOn(GPU, o)) {
                QwenVl model = p.model();
                QwenVlStaticDecoderTest.checkOracleGreedy(o, model, true, " (CUDA graph)");
                try (Generator gen = Generator.seeded(5)) {
                    model.attachLora(new LoraConfig(4, 8, Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                            "up_proj", "down_proj")), gen);
                }
                QwenVlStaticDecoderTest.moveAdapters(model, 6);
                try (NativeScope s = NativeScope.open()) {
                    List<QwenVlGroups.Input> in = new java.util.ArrayList<>();
                    for (String c : o.cases()) {
                        List<ImageProcessor.Patches> imgs = QwenVlParityTest.oraclePatches(o, model, c);
                        in.add(new QwenVlGroups.Input(Oracle.ints(o.caseOf(c).get("input_ids")), o.grids(c),
                                imgs.isEmpty() ? null : model.encodeImages(imgs, null)));
                    }
                    QwenVlStaticDecoderTest.checkAgainstDeviceLoop(p, in, model.config().eosTokenIds()[0], true,
                            f + " LoRA, CUDA graph");
                }
            }
        }));
    }

    /**
     * Activation checkpointing on the GPU (all three Qwen families): the gradients of the plain backward, LoRA and full
     * fine-tuning.
     */
    @TestFactory
    Stream<DynamicTest> gradientCheckpointingGivesThePlainGradientsOnCuda() {
        return Stream.concat(Stream.of("qwen2vl-tiny"), QwenVlParityTest.FIXTURES.stream()).flatMap(f -> Stream.of("lora", "full").map(mode ->
                DynamicTest.dynamicTest(f + " " + mode, () -> GradientCheckpointingTest.checkGradients(tmp, f, mode, GPU))));
    }

    /** The oracle's model on {@code device} in float32 as a policy (no tokenizer), which owns and closes it. */
    private static QwenVlPolicy policyOn(Device device, Oracle o) {
        QwenVl model = QwenVl.load(o.dir, DType.F32, device);
        return QwenVlPolicy.of(model, null, o.dir, model.config().eosTokenIds());
    }

    @TestFactory
    Stream<DynamicTest> loraTrainsOnCudaAndTheMergedSaveReadsBackOnTheHost() {
        return QwenVlParityTest.FIXTURES.stream().map(f -> DynamicTest.dynamicTest(f, () -> {
            LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "gate_proj", "down_proj"));
            Path out = tmp.resolve(f + "-merged");
            try (Oracle o = new Oracle(f)) {
                String c = o.cases().stream().filter(n -> !o.images(n).isEmpty()).findFirst().orElseThrow();
                int[] ids = Oracle.ints(o.caseOf(c).get("input_ids"));
                List<int[]> grids = o.grids(c);
                float[] gpuLogits;
                QwenVl model = QwenVl.load(o.dir, DType.F32, GPU);
                try (QwenVlPolicy p = QwenVlPolicy.of(model, null, o.dir, model.config().eosTokenIds());
                     Generator gen = Generator.seeded(3)) {
                    model.attachLora(lora, gen);
                    List<Parameter> trainable = p.trainableParameters();
                    assertTrue(!trainable.isEmpty());
                    try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad(); Generator noise = Generator.seeded(4)) {
                        for (Parameter t : trainable) {
                            assertTrue(t.value().isOn(GPU), t.name() + " on the GPU");
                            // B starts at zero: move it so the merged weights differ from the base
                            if (t.name().contains("lora_B")) {
                                t.value().add_(Tensor.randn(noise, DType.F32, t.value().shape()).mul(0.05).on(GPU), 1.0);
                            }
                        }
                    }
                    try (NativeScope s = NativeScope.open()) {
                        QwenVl.Images images = model.encodeImages(QwenVlParityTest.oraclePatches(o, model, c), null);
                        p.groupLogProbs(ids, grids, images, List.of(new int[] {5, 9, 17}, new int[] {11})).logProbs().sum()
                                .backward();
                        for (Parameter t : trainable) {
                            Tensor grad = t.value().grad();
                            assertNotNull(grad, t.name() + " has a gradient");
                            assertTrue(grad.isOn(GPU), t.name() + " gradient on the GPU");
                        }
                        try (Tensor.GradMode g = Tensor.noGrad()) {
                            Tensor h = model.hidden(model.embed(new int[][] {ids}, images),
                                    new long[][][] {model.positions(ids, grids).ids()}, null, true, null);
                            gpuLogits = model.logits(h).toFloats();
                        }
                    }
                    p.save(out);
                }
                try (QwenVl back = QwenVl.load(out, DType.F32, Device.CPU); NativeScope s = NativeScope.open();
                     Tensor.GradMode g = Tensor.noGrad()) {
                    QwenVl.Images images = back.encodeImages(QwenVlParityTest.oraclePatches(o, back, c), null);
                    Tensor h = back.hidden(back.embed(new int[][] {ids}, images),
                            new long[][][] {back.positions(ids, grids).ids()}, null, true, null);
                    double e = Oracle.relError(back.logits(h).toFloats(), gpuLogits);
                    assertTrue(e < 1e-4, f + ": merged save read on the host vs LoRA model on cuda, max|Δ|/max|ref| = " + e);
                    double base = Oracle.relError(o.floats(c + ".logits"), gpuLogits);
                    assertTrue(base > 1e-3, f + ": the adapters changed the logits (" + base + ")");
                }
            }
        }));
    }
}
