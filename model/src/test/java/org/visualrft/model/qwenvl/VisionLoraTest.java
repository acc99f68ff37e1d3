package org.visualrft.model.qwenvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.LoraTargets;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * LoRA adapters on the vision tower ({@code use_peft} with {@code freeze_vision_modules: false}, as PEFT matches
 * {@code target_modules} over the whole model) on the three Qwen families: every linear layer of the tower gets one
 * under {@code all-linear}, the loss's gradient reaches them (checked against a central finite difference), the tower's
 * forward applies them (zeroing them moves the scores), the step's image cache is left to the reference, which is the
 * base model to the bit, and target lists match as PEFT matches them.
 */
class VisionLoraTest {
    private static final List<int[]> COMPLETIONS = DirectionalDerivative.COMPLETIONS;
    /** The last parts of the towers' linear layers' weight names (the patch embedding is a convolution). */
    private static final List<String> TOWER_LINEARS = List.of("attn.qkv.weight", "attn.proj.weight", "mlp.fc1.weight",
            "mlp.fc2.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight", "mlp.0.weight",
            "mlp.2.weight", "linear_fc1.weight", "linear_fc2.weight");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void visionAdaptersTakeTheLossGradientAsFiniteDifferencesSay(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        try (Policy p = ModelLoader.load(dir, allLinearWithTower())) {
            List<Parameter> vision = vision(p.trainableParameters());
            long towerLinears = p.parameters().stream().filter(q -> LoraTargets.isVision(q.name())
                    && TOWER_LINEARS.stream().anyMatch(q.name()::endsWith)).count();
            assertTrue(towerLinears > 4, name + ": " + towerLinears);
            assertEquals(2 * towerLinears, vision.size(), name + ": an A and a B on every linear layer of the tower");
            assertTrue(p.trainableParameters().stream().allMatch(q -> q.name().contains(".lora_")), "adapters only");
            randomB(p, 5);

            DirectionalDerivative.checkGradientWithAndWithoutCache(p, prompt, vision, name);
            // every base weight stays frozen
            for (Parameter q : p.parameters()) {
                if (!q.name().contains(".lora_")) {
                    assertNull(q.value().grad(), q.name());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2vl-tiny", "qwen25vl-tiny", "qwen3vl-tiny"})
    void theTowerAppliesItsAdaptersAndTheReferenceIsTheBase(String name) throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve(name)), QwenVlPolicyTest.fixture(name));
        Prompt prompt = QwenVlPolicyTest.prompt(name);
        float[] base;
        try (Policy plain = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32, null, 0))) {
            base = logProbs(plain, prompt, null);
        }
        try (Policy p = ModelLoader.load(dir, allLinearWithTower()); Policy ref = p.frozenCopy()) {
            randomB(p, 9);
            float[] adapted = logProbs(p, prompt, null);
            assertFalse(Arrays.equals(base, adapted), name);
            try (VisionCache cache = new VisionCache()) {
                assertArrayEquals(adapted, logProbs(p, prompt, cache), name + ": with the step's cache");
                assertEquals(0, cache.encodes(), "the policy leaves the cache alone");
                assertArrayEquals(base, logProbs(ref, prompt, cache), name + ": the reference is the base, to the bit");
                assertEquals(1, cache.encodes(), "the reference encodes with the base tower, once");
                assertArrayEquals(base, logProbs(ref, prompt, cache), name + ": and reuses it");
            }
            // the tower's adapters alone (the decoder's B zeroed) still move the scores: the tower applies them
            try (Tensor.GradMode g = Tensor.noGrad()) {
                for (Parameter q : p.trainableParameters()) {
                    if (!LoraTargets.isVision(q.name().substring("base_model.model.".length()))
                            && q.name().contains("lora_B")) {
                        q.value().zero_();
                    }
                }
            }
            float[] towerOnly = logProbs(p, prompt, null);
            assertFalse(Arrays.equals(base, towerOnly), name + ": the vision adapters change the encoding");
        }
    }

    @Test
    void targetListsMatchAsPeftMatchesThem() throws Exception {
        Path q25 = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("q25")), QwenVlPolicyTest.fixture("qwen25vl-tiny"));
        Path q2 = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("q2")), QwenVlPolicyTest.fixture("qwen2vl-tiny"));
        Path q3 = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("q3")), QwenVlPolicyTest.fixture("qwen3vl-tiny"));
        // Qwen2.5-VL's vision MLP has gate_proj too: PEFT's suffix match takes both, unless the tower is frozen
        List<String> both = adapted(q25, Set.of("gate_proj"), true);
        assertTrue(both.stream().anyMatch(n -> n.contains("visual.blocks.0.mlp.gate_proj.lora_A")), both.toString());
        assertTrue(both.stream().anyMatch(n -> n.contains("layers.0.mlp.gate_proj.lora_A")), both.toString());
        assertTrue(both.stream().allMatch(n -> n.contains(".gate_proj.")), both.toString());
        List<String> decoder = adapted(q25, Set.of("gate_proj"), false);
        assertTrue(!decoder.isEmpty() && decoder.stream().noneMatch(n -> n.contains("visual")), decoder.toString());
        // a dotted suffix picks the tower's attention alone; merger layers by their path
        List<String> qkv = adapted(q2, Set.of("attn.qkv", "merger.mlp.0"), true);
        assertTrue(qkv.stream().allMatch(n -> n.contains(".attn.qkv.") || n.contains("visual.merger.mlp.0.")), qkv.toString());
        assertTrue(qkv.stream().anyMatch(n -> n.contains("visual.merger.mlp.0.lora_B")), qkv.toString());
        // Qwen3-VL's linear_fc1: the blocks', the merger's and the DeepStack mergers'
        List<String> fc1 = adapted(q3, Set.of("linear_fc1"), true);
        assertTrue(fc1.stream().anyMatch(n -> n.contains("deepstack_merger_list.0.linear_fc1")), fc1.toString());
        assertTrue(fc1.stream().anyMatch(n -> n.contains("visual.merger.linear_fc1")), fc1.toString());
        assertTrue(fc1.stream().anyMatch(n -> n.contains("blocks.0.mlp.linear_fc1")), fc1.toString());

        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(2, 4, Set.of("attn.qkv"), false, false));
        BadInputException frozen = assertThrows(BadInputException.class,
                () -> adapted(q25, Set.of("visual.blocks.0.mlp.gate_proj"), false));
        assertEquals(LoraTargets.SETTING, frozen.source());
        assertTrue(frozen.getMessage().contains("freeze_vision_modules"), frozen.getMessage());
        BadInputException none = assertThrows(BadInputException.class, () -> adapted(q25, Set.of("fc1"), true));
        assertTrue(none.getMessage().contains("'fc1' matches no linear layer of qwen2_5_vl"), none.getMessage());
    }

    @Test
    void unfrozenOptionsPutTheAdaptersOnTheTowerAndTrainNoBaseWeight() {
        LoadOptions o = new LoadOptions(Device.CPU, DType.F32, LoraConfig.allLinear(4, 8), 0).withFreezeVision(false);
        assertTrue(o.lora().visionTower());
        assertFalse(o.trainsVision(), "the tower's base weights stay frozen");
        assertFalse(o.withFreezeVision(true).lora().visionTower());
    }

    private List<String> adapted(Path dir, Set<String> targets, boolean tower) {
        try (Policy p = ModelLoader.load(dir, new LoadOptions(Device.CPU, DType.F32,
                new LoraConfig(2, 4, targets, false, tower), 0))) {
            return p.trainableParameters().stream().map(Parameter::name).toList();
        }
    }

    static LoadOptions allLinearWithTower() {
        return new LoadOptions(Device.CPU, DType.F32, new LoraConfig(4, 8, Set.of(LoraConfig.ALL_LINEAR_KEY)), 0)
                .withFreezeVision(false);
    }

    /** Every B drawn away from its zero start, as after training. */
    static void randomB(Policy p, long seed) {
        try (Generator g = Generator.seeded(seed); Tensor.GradMode off = Tensor.noGrad()) {
            for (Parameter q : p.trainableParameters()) {
                if (q.name().contains("lora_B")) {
                    q.value().copy_(Tensor.randn(g, DType.F32, q.value().shape()).mul(0.05));
                }
            }
        }
    }

    private static List<Parameter> vision(List<Parameter> ps) {
        return ps.stream().filter(q -> q.name().contains(".visual.")).toList();
    }

    private static float[] logProbs(Policy p, Prompt prompt, VisionCache cache) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            return p.logProbs(prompt, COMPLETIONS, cache).logProbs().toFloats();
        }
    }
}
