package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.ModelLoader;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/** Qwen2-VL through the Policy interface: loading by model_type, generate, log-probs, LoRA, reference, save back. */
class Qwen2VLPolicyTest {
    @TempDir
    Path tmp;

    static Prompt prompt() {
        return new Prompt(Image.read(Fixture.DIR.resolve("image_a.png")), "What is in the image ?");
    }

    @Test
    void modelLoaderOpensQwenFolderAndGreedyGenerationMatchesDirectDecoding() throws Exception {
        Path dir = TinyQwenFolder.create(tmp);
        try (Policy p = ModelLoader.load(dir)) {
            assertInstanceOf(Qwen2VLPolicy.class, p);
            Qwen2VLPolicy q = (Qwen2VLPolicy) p;
            Qwen2VLPolicy.Encoded e = q.encodePrompt(prompt());
            // the template: system turn, user turn with 12 image pads between vision start/end, assistant header
            int pads = 0;
            for (int id : e.ids()) {
                pads += id == 300 ? 1 : 0;
            }
            assertEquals(12, pads);
            assertEquals(306, e.ids()[0]);
            List<Rollout> r = p.generate(prompt(), 2, SamplingParams.greedy(6), new Random(1));
            assertEquals(2, r.size());
            assertArrayEquals(r.get(0).tokens(), r.get(1).tokens(), "greedy rows of one group agree");
            try (NativeScope s = NativeScope.open()) {
                Tensor img = q.model().encodeImages(List.of(e.patches()), null);
                int[] direct = Generation.greedy(q.model(), e.ids(), List.of(Qwen2VLPolicy.grid(e.patches())), img, 6, 303, null);
                assertArrayEquals(direct, r.get(0).tokens());
            }
            // the rollout's log-probs equal teacher-forced ones
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                GroupLogProbs lp = p.logProbs(prompt(), List.of(r.get(0).tokens(), new int[] {r.get(0).tokens()[0]}));
                float[] got = lp.logProbs().toFloats();
                for (int t = 0; t < r.get(0).length(); t++) {
                    assertEquals(r.get(0).logProbs()[t], got[t], 1e-4, "token " + t);
                }
                assertArrayEquals(new float[] {1, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(lp.mask().toFloats(), 6, 12));
                assertEquals(got[0], got[6], 1e-5, "a padded row gives the same log-prob for its real token");
            }
        }
    }

    /**
     * A folder whose config.json transformers 5 wrote (text_config, rope_parameters, dtype) runs as the hub layout
     * does, in the dtype it names, and a save keeps its dtype key.
     */
    @Test
    void aTransformers5FolderGivesTheSameGreedyAnswerAndKeepsItsDtypeKey() throws Exception {
        Path flat = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("flat")));
        Path nested = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("nested")));
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        Files.write(nested.resolve("config.json"), json.writeValueAsBytes(
                Qwen2VLConfigTest.transformers5Layout(Fixture.DIR.resolve("config.json"), "float32")));
        try (Policy a = ModelLoader.load(flat); Policy b = ModelLoader.load(nested)) {
            Rollout ra = a.generate(prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            Rollout rb = b.generate(prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            assertArrayEquals(ra.tokens(), rb.tokens());
            assertArrayEquals(ra.logProbs(), rb.logProbs(), 1e-6f);
            b.save(tmp.resolve("saved"));
        }
        var saved = json.readTree(tmp.resolve("saved/config.json").toFile());
        assertEquals("float32", saved.get("dtype").asText());
        assertFalse(saved.has("torch_dtype"), "one dtype key, as the source had");
        Files.write(nested.resolve("config.json"), json.writeValueAsBytes(
                Qwen2VLConfigTest.transformers5Layout(Fixture.DIR.resolve("config.json"), "bfloat16")));
        try (Policy b = ModelLoader.load(nested)) {
            assertEquals(DType.BF16, ((Qwen2VLPolicy) b).model().dtype(), "the dtype the config names");
        }
    }

    /**
     * Weights under transformers 4.52+'s internal names (model.language_model.…, model.visual.…, as it saves a
     * fine-tuned Qwen2-VL) load as the hub's names do (they were refused: "weights have no tensor
     * 'model.layers.0.input_layernorm.weight'"), with their shapes checked, and a merged save writes the hub's names.
     */
    @Test
    void weightsUnderTransformersInternalNamesLoad() throws Exception {
        Path hub = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("hub")));
        Path internal = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("internal")));
        Path bad = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("bad")));
        java.util.Map<String, Tensor> renamed = new java.util.LinkedHashMap<>();
        try (NativeScope s = NativeScope.open();
             org.visualrft.model.safetensors.SafeTensorsFile f = org.visualrft.model.safetensors.SafeTensorsFile.open(
                     internal.resolve("model.safetensors"))) {
            for (String n : f.entries().keySet()) {
                renamed.put(Qwen2VL.internalName(n), f.read(n));
            }
            assertTrue(renamed.containsKey("model.visual.blocks.0.attn.qkv.weight"));
            assertTrue(renamed.containsKey("model.language_model.layers.1.mlp.up_proj.weight"));
            assertTrue(renamed.containsKey("lm_head.weight"));
            org.visualrft.model.safetensors.SafeTensorsWriter.write(internal.resolve("model.safetensors"), renamed, null);
            // the shape check reads the internal names too
            renamed.put("model.language_model.norm.weight", Tensor.ones(DType.F32, 1));
            org.visualrft.model.safetensors.SafeTensorsWriter.write(bad.resolve("model.safetensors"), renamed, null);
        }
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(bad).close());
        assertTrue(e.fault().contains("'model.language_model.norm.weight' has shape [1]"), e.getMessage());
        try (Policy a = ModelLoader.load(hub); Policy b = ModelLoader.load(internal)) {
            Rollout ra = a.generate(prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            Rollout rb = b.generate(prompt(), 1, SamplingParams.greedy(6), new Random(1)).get(0);
            assertArrayEquals(ra.tokens(), rb.tokens());
            assertArrayEquals(ra.logProbs(), rb.logProbs(), 0f);
            b.save(tmp.resolve("saved"));
        }
        try (org.visualrft.model.safetensors.SafeTensorsFile f = org.visualrft.model.safetensors.SafeTensorsFile.open(
                tmp.resolve("saved/model.safetensors"))) {
            assertTrue(f.contains("model.layers.0.self_attn.q_proj.weight") && f.contains("visual.patch_embed.proj.weight"));
        }
    }

    @Test
    void samplingIsReproducibleFromTheRngAndStopsAtEos() throws Exception {
        Path dir = TinyQwenFolder.create(tmp);
        try (Policy p = ModelLoader.load(dir)) {
            SamplingParams sp = SamplingParams.visualRft(12);
            List<Rollout> a = p.generate(prompt(), 4, sp, new Random(7));
            List<Rollout> b = p.generate(prompt(), 4, sp, new Random(7));
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
                assertTrue(a.get(i).length() <= 12);
                int[] t = a.get(i).tokens();
                for (int j = 0; j < t.length - 1; j++) {
                    assertTrue(t[j] != 303, "nothing after EOS");
                }
                assertEquals(t[t.length - 1] == 303, a.get(i).endedWithEos());
            }
        }
    }

    @Test
    void loraTrainsOnlyAdaptersReferenceIsTheBaseAndMergedSaveReloads() throws Exception {
        Path dir = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("src")));
        Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
        LoraConfig lora = new LoraConfig(4, 8, Set.of("q_proj", "v_proj", "gate_proj", "down_proj"));
        try (Qwen2VLPolicy base = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, null, 0, null, null));
             Qwen2VLPolicy p = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, lora, 3, null, null))) {
            assertEquals(2 * 4 * c.numLayers(), p.trainableParameters().size());
            List<int[]> comps = List.of(new int[] {5, 9, 303}, new int[] {17});
            float[] baseLp;
            float[] freshLp;
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                baseLp = base.logProbs(prompt(), comps).logProbs().toFloats();
                freshLp = p.logProbs(prompt(), comps).logProbs().toFloats();
            }
            assertArrayEquals(baseLp, freshLp, 1e-6f, "B = 0: a fresh adapter leaves the model unchanged");
            // move the adapters away from zero, as training would
            try (Tensor.GradMode g = Tensor.noGrad(); Generator gen = Generator.seeded(11)) {
                for (Parameter t : p.trainableParameters()) {
                    if (t.name().endsWith("lora_B.weight")) {
                        t.value().copy_(Tensor.randn(gen, DType.F32, t.value().shape()).mul(0.05));
                    }
                }
            }
            float[] tuned;
            try (NativeScope s = NativeScope.open()) {
                GroupLogProbs lp = p.logProbs(prompt(), comps);
                lp.logProbs().sum().backward();
                tuned = lp.logProbs().detach().toFloats();
            }
            assertTrue(Fixture.maxAbs(tuned, baseLp) > 1e-3, "adapters change the model");
            for (Parameter t : p.trainableParameters()) {
                assertNotNull(t.value().grad(), t.name() + " has a gradient");
            }
            for (Parameter t : p.parameters()) {
                if (!t.name().contains("lora_")) {
                    assertFalse(t.value().requiresGrad(), t.name() + " is frozen");
                }
            }
            // the reference: same object, adapters off, equal to the base model
            try (Policy ref = p.frozenCopy(); NativeScope s = NativeScope.open()) {
                assertTrue(ref.trainableParameters().isEmpty());
                GroupLogProbs lp = ref.logProbs(prompt(), comps);
                assertFalse(lp.logProbs().requiresGrad(), "reference is not connected to autograd");
                assertArrayEquals(baseLp, lp.logProbs().toFloats(), 1e-6f);
            }
            // merged save: a plain Qwen2-VL folder whose model equals the adapted one
            Path out = tmp.resolve("merged");
            p.save(out);
            assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
            assertTrue(Files.isRegularFile(out.resolve("preprocessor_config.json")));
            try (Qwen2VLPolicy back = Qwen2VLPolicy.load(out, new Qwen2VLPolicy.Options(DType.F32, null, 0, null, null));
                 NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                assertNull(back.model().lora());
                assertArrayEquals(tuned, back.logProbs(prompt(), comps).logProbs().toFloats(), 1e-5f);
            }
            p.saveAdapter(tmp.resolve("adapter"));
            assertTrue(Files.readString(tmp.resolve("adapter/adapter_config.json")).contains("\"r\" : 4"));
            assertTrue(Files.readString(tmp.resolve("adapter/adapter_config.json")).contains("\"use_rslora\" : false"));
        }
    }

    /**
     * use_rslora: the same adapters move the weights by alpha / sqrt(r) instead of alpha / r (r = 4: twice as far), and
     * PEFT's config says so (PEFT then scales them the same).
     */
    @Test
    void rankStabilisedAdaptersScaleByTheRootOfTheRank() throws Exception {
        Path dir = TinyQwenFolder.create(tmp);
        float[][] deltas = new float[2][];
        for (int i = 0; i < 2; i++) {
            LoraConfig lora = new LoraConfig(4, 8, java.util.Set.copyOf(LoraConfig.ALL_LINEAR), i == 1);
            try (Qwen2VLPolicy p = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, lora, 3, null, null))) {
                for (Parameter t : p.trainableParameters()) {
                    if (t.name().contains("lora_B")) {
                        t.value().detach().fill_(0.01); // the same nonzero B in both (A: the same seed)
                    }
                }
                p.save(tmp.resolve("merged" + i));
                if (i == 1) {
                    p.saveAdapter(tmp.resolve("rs"));
                }
            }
            String w = "model.layers.0.self_attn.q_proj.weight";
            try (var base = org.visualrft.model.safetensors.SafeTensorsFile.open(dir.resolve("model.safetensors"));
                 var merged = org.visualrft.model.safetensors.SafeTensorsFile.open(
                         tmp.resolve("merged" + i + "/model.safetensors"));
                 NativeScope s = NativeScope.open()) {
                deltas[i] = merged.read(w).sub(base.read(w)).toFloats();
            }
        }
        assertTrue(Fixture.maxAbs(deltas[0], new float[deltas[0].length]) > 1e-4, "the adapter moved the weight");
        for (int j = 0; j < deltas[0].length; j++) {
            assertEquals(2 * deltas[0][j], deltas[1][j], 1e-6, "element " + j);
        }
        assertTrue(Files.readString(tmp.resolve("rs/adapter_config.json")).contains("\"use_rslora\" : true"));
    }

    @Test
    void withoutLoraTheLanguageModelTrainsFullyAndVisionStaysFrozen() throws Exception {
        Path dir = TinyQwenFolder.create(tmp);
        try (Qwen2VLPolicy p = Qwen2VLPolicy.load(dir, new Qwen2VLPolicy.Options(DType.F32, null, 0, null, null))) {
            List<Parameter> t = p.trainableParameters();
            assertEquals(3 + 2 * 12, t.size()); // embed, final norm, lm_head; per layer 2 norms, 7 projections, 3 biases
            try (NativeScope s = NativeScope.open()) {
                p.logProbs(prompt(), List.of(new int[] {5, 6})).logProbs().sum().backward();
            }
            for (Parameter q : t) {
                assertFalse(q.name().startsWith("visual."));
                assertNotNull(q.value().grad(), q.name());
            }
            for (Parameter q : p.parameters()) {
                if (q.name().startsWith("visual.")) {
                    assertFalse(q.value().requiresGrad(), q.name());
                }
            }
        }
    }

    @Test
    void badFoldersAreBadInputNamingFileAndFault() throws Exception {
        Path dir = TinyQwenFolder.create(tmp);
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"mrope_section\": [\n      2,\n      3,\n      3\n    ]", "\"mrope_section\": [2, 3]"));
        BadInputException e = assertThrows(BadInputException.class, () -> ModelLoader.load(dir));
        assertEquals(dir.resolve("config.json").toString(), e.source());
        assertTrue(e.fault().contains("mrope_section"), e.fault());
        Path d2 = TinyQwenFolder.create(Files.createDirectories(tmp.resolve("b")));
        Files.delete(d2.resolve("model.safetensors"));
        e = assertThrows(BadInputException.class, () -> ModelLoader.load(d2));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }
}
