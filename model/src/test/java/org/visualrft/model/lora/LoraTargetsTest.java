package org.visualrft.model.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraTargets.Layout;

/**
 * PEFT's selection of LoRA targets ({@code check_target_module_exists}) over the module names of a two-layer
 * Qwen2.5-VL-shaped model, in both transformers layouts: a string target must match a module's whole name
 * ({@code re.fullmatch}, never a part of it), in the layout the expression was written for; {@code exclude_modules}
 * removes modules first; a frozen tower is left out as for lists; Python-only constructs are refused.
 */
class LoraTargetsTest {
    /** Module names of a two-layer decoder and a one-block tower, as the hub's Qwen2.5-VL files name them. */
    private static final List<String> FLAT = flat();

    private static List<String> flat() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                out.add("model.layers." + i + "." + m);
            }
        }
        for (String m : List.of("blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.mlp.gate_proj",
                "blocks.0.mlp.up_proj", "blocks.0.mlp.down_proj", "merger.mlp.0", "merger.mlp.2")) {
            out.add("visual." + m);
        }
        return out;
    }

    /** The same modules as transformers 4.52+ names them. */
    private static final List<String> NESTED = FLAT.stream().map(LoraTargets::otherLayout).toList();

    private static final List<String> TENSORS = List.of("model.embed_tokens.weight", "model.norm.weight",
            "model.layers.0.input_layernorm.weight", "visual.patch_embed.proj.weight", "visual.blocks.0.norm1.weight");

    private static List<String> select(List<String> names, LoraConfig lora) {
        Map<String, Linear> linears = new LinkedHashMap<>();
        names.forEach(n -> linears.put(n, null)); // the layers' contents play no part in the selection
        List<String> tensors = names == FLAT ? TENSORS : TENSORS.stream().map(LoraTargets::otherLayout).toList();
        return List.copyOf(LoraTargets.select(lora, linears, "qwen2_5_vl", tensors).keySet());
    }

    private static LoraConfig regex(String re, ModuleNames exclude, Layout layout, boolean tower) {
        return new LoraConfig(2, 4, Set.of(), re, exclude, layout, false, tower);
    }

    private static LoraConfig regex(String re, Layout layout, boolean tower) {
        return regex(re, ModuleNames.NONE, layout, tower);
    }

    private static BadInputException refused(List<String> names, LoraConfig lora) {
        BadInputException e = assertThrows(BadInputException.class, () -> select(names, lora));
        assertEquals(LoraTargets.SETTING, e.source());
        return e;
    }

    @Test
    void aRegularExpressionMustMatchTheWholeName() {
        assertEquals(List.of("model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"),
                select(FLAT, regex(".*\\.q_proj", Layout.FLAT, false)));
        // each of these is found inside a name (Matcher.find), but matches none whole (re.fullmatch)
        for (String part : List.of("q_proj", "self_attn\\.q_proj", "model\\.layers\\.0\\.self", ".*\\.q_pro",
                "layers\\.\\d+\\.mlp")) {
            BadInputException e = refused(FLAT, regex(part, Layout.FLAT, false));
            assertTrue(e.getMessage().contains("matches no linear layer of qwen2_5_vl's language model"), e.getMessage());
        }
        assertTrue(refused(FLAT, regex("q_proj", Layout.FLAT, false)).getMessage().contains("give a list: [q_proj]"));
        assertEquals(List.of("model.layers.1.self_attn.k_proj", "model.layers.1.self_attn.v_proj"),
                select(FLAT, regex("model\\.layers\\.1\\.self_attn\\.(k|v)_proj", Layout.FLAT, false)));
        // a named group, Python's way
        assertEquals(2, select(FLAT, regex(".*\\.(?P<which>o)_proj", Layout.FLAT, false)).size());
    }

    /** A nested repetition backtracks for hours on a layer's name (before: a hang); bounded, it is one error. */
    @Test
    void catastrophicBacktrackingIsOneErrorNotAHang() {
        long before = PythonRegex.matchNanos;
        PythonRegex.matchNanos = 200_000_000L;
        try {
            BadInputException e = refused(FLAT, regex("((.*)*)*zzz", Layout.FLAT, false));
            assertTrue(e.getMessage().contains("catastrophic backtracking"), e.getMessage());
            assertTrue(PythonRegex.fullMatch(PythonRegex.compile("(.*)*q_proj"), "model.layers.0.self_attn.q_proj"));
        } finally {
            PythonRegex.matchNanos = before;
        }
    }

    @Test
    void theExpressionSeesTheNamesOfItsLayoutWhicheverTheModelHas() {
        String nested = "model\\.language_model\\.layers\\.0\\.self_attn\\.q_proj";
        for (List<String> model : List.of(FLAT, NESTED)) {
            List<String> got = select(model, regex(nested, Layout.NESTED, false));
            assertEquals(List.of(model.get(0)), got, "the model's own name of that layer");
            BadInputException e = refused(model, regex(nested, Layout.FLAT, false));
            assertTrue(e.getMessage().contains("it matches names as transformers 4.52+"), e.getMessage());
        }
        // the layout changes what an expression selects: the tower's names start with "model." only when nested
        String notTower = "(?!visual).*_proj";
        assertEquals(14 + 3, select(FLAT, regex(".*_proj", Layout.FLAT, true)).size());
        assertEquals(14, select(FLAT, regex(notTower, Layout.FLAT, true)).size());
        assertEquals(14 + 3, select(NESTED, regex(notTower, Layout.NESTED, true)).size());
    }

    @Test
    void excludedModulesAreRemovedBeforeTheTargetsMatch() {
        // a regular expression excludes by whole name, in the layout
        List<String> got = select(NESTED, regex(".*_proj", ModuleNames.regex(".*\\.layers\\.1\\..*"), Layout.NESTED,
                false));
        assertEquals(7, got.size());
        assertTrue(got.stream().allMatch(n -> n.contains(".layers.0.")), got.toString());
        assertEquals(14, select(NESTED, regex(".*_proj", ModuleNames.regex("layers\\.1\\..*"), Layout.NESTED, false))
                .size(), "an exclusion matches whole names too");
        // a list excludes by name or dotted suffix, under both layouts, for list and expression targets alike
        LoraConfig listed = new LoraConfig(2, 4, Set.of("q_proj", "v_proj"), null,
                ModuleNames.list(Set.of("layers.0.self_attn.q_proj", "v_proj")), null, false, false);
        for (List<String> model : List.of(FLAT, NESTED)) {
            assertEquals(List.of(model.get(7)), select(model, listed));
        }
        assertEquals(List.of(FLAT.get(0), FLAT.get(2)), select(FLAT, regex(".*layers\\.0\\.self_attn\\.._proj",
                ModuleNames.list(Set.of("k_proj", "o_proj")), Layout.FLAT, false)));
        // the tower's gate_proj excluded, the decoder's kept
        List<String> gates = select(FLAT, new LoraConfig(2, 4, Set.of("gate_proj"), null,
                ModuleNames.regex("visual\\..*"), Layout.FLAT, false, true));
        assertEquals(List.of("model.layers.0.mlp.gate_proj", "model.layers.1.mlp.gate_proj"), gates);
        // everything excluded: PEFT's "All modules were excluded"
        BadInputException all = refused(FLAT, regex(".*q_proj", ModuleNames.list(Set.of("q_proj")), Layout.FLAT, false));
        assertTrue(all.getMessage().contains("matches only layers exclude_modules [q_proj] excludes"), all.getMessage());
        BadInputException list = refused(FLAT, new LoraConfig(2, 4, Set.of("q_proj"), null,
                ModuleNames.regex(".*"), null, false, false));
        assertTrue(list.getMessage().contains("is excluded by exclude_modules '.*'"), list.getMessage());
    }

    @Test
    void aFrozenTowerIsLeftOutAsForLists() {
        assertEquals(2, select(FLAT, regex(".*gate_proj", Layout.FLAT, false)).size(), "the decoder's only");
        assertEquals(3, select(FLAT, regex(".*gate_proj", Layout.FLAT, true)).size(), "and the tower's");
        BadInputException e = refused(FLAT, regex(".*attn\\.qkv", Layout.FLAT, false));
        assertTrue(e.getMessage().contains("freeze_vision_modules: false"), e.getMessage());
        assertEquals(List.of("visual.blocks.0.attn.qkv"), select(FLAT, regex(".*attn\\.qkv", Layout.FLAT, true)));
    }

    @Test
    void anExpressionThatAlsoMatchesAModuleWithoutAdaptersHereIsRefused() {
        for (String re : List.of(".*", ".*head", ".*layers\\.0\\.self_attn.*", ".*norm.*|.*q_proj",
                "visual\\.patch_embed\\.proj|.*q_proj")) {
            BadInputException e = refused(FLAT, regex(re, Layout.FLAT, true));
            assertTrue(e.getMessage().contains("which is not a linear layer the adapters here sit on"), e.getMessage());
        }
        // unless excluded
        assertEquals(2, select(FLAT, regex(".*norm.*|.*q_proj", ModuleNames.regex(".*norm.*"), Layout.FLAT, false))
                .size());
    }

    @Test
    void pythonSpellingsAreTranslatedAndWhatJavaReadsOtherwiseIsRefused() {
        assertEquals("a\\z", PythonRegex.translate("a\\Z"));
        assertEquals("(?<g>a)\\x0B", PythonRegex.translate("(?P<g>a)\\v"));
        assertEquals("a{0,3}b\\{x}c{0,}d\\{}", PythonRegex.translate("a{,3}b{x}c{,}d{}"));
        assertEquals("(?i)x", PythonRegex.translate("(?iu)x"), "Unicode is the flags' default here");
        assertTrue(PythonRegex.compile("a{x}").matcher("a{x}").matches(), "a brace that repeats nothing is itself");
        assertTrue(PythonRegex.compile("(?i)Q_PROJ").matcher("q_proj").matches());
        assertTrue(PythonRegex.compile("[]x]+").matcher("]x]").matches());
        assertTrue(PythonRegex.compile("a.b").matcher("a\rb").matches(), "'.' matches a carriage return in Python");
        for (String bad : List.of("(?P<g>a)(?P=g)", "(a)\\1", "\\p{L}", "[[a]]", "[a&&b]", "(?x)a b", "(?#c)a",
                "(?(1)a|b)", "\\Qa\\E", "(?<g>a)", "\\h", "(?a)\\w", "a\\")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PythonRegex.compile(bad),
                    bad);
            assertTrue(e.getMessage().startsWith("'" + bad + "'"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> regex("(?P=x)", Layout.FLAT, false));
    }
}
