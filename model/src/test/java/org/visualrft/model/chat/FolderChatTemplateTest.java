package org.visualrft.model.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.model.qwen2vl.ChatTemplate;

/**
 * A model folder's chat template gives the prompt turn Jinja2 renders (the oracle renderings of
 * {@code fixtures/chat-templates}), found where transformers looks for it; one that cannot be followed gives the
 * built-in turn.
 */
class FolderChatTemplateTest {
    static final Path CASES = Path.of("../fixtures", "chat-templates", "cases.json");

    /** The template and the Jinja2 rendering of the oracle case {@code name} (its one user turn's question). */
    static JsonNode oracle(String name) throws Exception {
        for (JsonNode c : new ObjectMapper().readTree(CASES.toFile()).get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no oracle case " + name);
    }

    static String question(JsonNode c) {
        JsonNode content = c.get("context").get("messages").get(0).get("content");
        return content.get(content.size() - 1).get("text").asText();
    }

    @Test
    void aFolderTemplateRendersTheTurnAsJinja2() throws Exception {
        for (String name : new String[] {"vl2_image_turn", "vl3_image_turn"}) { // one user turn: image, question
            JsonNode c = oracle(name);
            PromptTurn t = FolderChatTemplate.render(new FolderChatTemplate.Source(Path.of(name),
                    c.get("template").asText()), Map.of());
            assertEquals(c.get("expected").asText(), t.render(question(c)), name);
        }
    }

    @Test
    void aSystemMessageRendersAsJinja2() throws Exception {
        for (String name : new String[] {"vl2_system_turn", "vl3_system_turn"}) { // system (a string), user: image, text
            JsonNode c = oracle(name);
            String system = c.get("context").get("messages").get(0).get("content").asText();
            JsonNode content = c.get("context").get("messages").get(1).get("content");
            String question = content.get(content.size() - 1).get("text").asText();
            String expected = c.get("expected").asText();
            PromptTurn t = FolderChatTemplate.render(new FolderChatTemplate.Source(Path.of(name),
                    c.get("template").asText()), Map.of());
            assertEquals(expected, t.render(system, question), name);
            PromptTurn builtin = name.startsWith("vl2") ? ChatTemplate.WITH_DEFAULT_SYSTEM : ChatTemplate.WITHOUT_SYSTEM;
            assertEquals(expected, builtin.render(system, question), "built-in " + name);
            assertEquals(builtin.render(question), builtin.render(null, question), "no system message: as before");
        }
    }

    @Test
    void aTemplateWithoutASystemRenderingRefusesOnlySystemMessages(@TempDir Path dir) throws Exception {
        // a template that renders the user turn but raises for a system message
        String noSystem = "{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system') }}{% endif %}"
                + "<|im_start|>{{ m.role }}\n{% for c in m.content %}{% if c.type == 'image' %}<|vision_start|>"
                + "<|image_pad|><|vision_end|>{% else %}Q: {{ c.text }}{% endif %}{% endfor %}<|im_end|>\n{% endfor %}"
                + "<|im_start|>assistant\n";
        Files.writeString(dir.resolve("chat_template.jinja"), noSystem);
        PromptTurn t = FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM);
        assertEquals("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Q: x<|im_end|>\n<|im_start|>"
                + "assistant", t.render("x")); // Jinja2 drops the template's one trailing newline
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.render("terse", "x"));
        assertTrue(e.getMessage().contains("chat_template.jinja") && e.getMessage().contains("no system"),
                e.getMessage());
    }

    @Test
    void qwenStyleTemplatesGiveTheBuiltInTurns(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chat_template.jinja"), oracle("vl2_image_turn").get("template").asText());
        assertSame(ChatTemplate.WITH_DEFAULT_SYSTEM, FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        Files.writeString(dir.resolve("chat_template.jinja"), oracle("vl3_image_turn").get("template").asText());
        assertSame(ChatTemplate.WITHOUT_SYSTEM, FolderChatTemplate.turn(dir, ChatTemplate.WITHOUT_SYSTEM));
        // the same template against the other family's built-in turn is a different turn, and is followed
        PromptTurn t = FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM);
        assertEquals(ChatTemplate.WITHOUT_SYSTEM.beforeText(), t.beforeText());
        assertEquals(dir.resolve("chat_template.jinja").toString(), t.source());
    }

    @Test
    void aThinkingTemplateOpensTheAnswerWithThink(@TempDir Path dir) throws Exception {
        String vl3 = oracle("vl3_image_turn").get("template").asText();
        Files.writeString(dir.resolve("chat_template.jinja"), "{%- set thinking_prompt = true %}" + vl3);
        PromptTurn t = FolderChatTemplate.turn(dir, ChatTemplate.WITHOUT_SYSTEM);
        assertEquals(ChatTemplate.WITHOUT_SYSTEM.afterText() + "<think>\n", t.afterText());
    }

    @Test
    void theTemplateIsFoundWhereTransformersLooks(@TempDir Path dir) throws Exception {
        assertSame(ChatTemplate.WITH_DEFAULT_SYSTEM, FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM),
                "no template: the built-in turn");
        String custom = "{{ bos_token }}{% for m in messages %}<|im_start|>{{ m.role }}\n{% for c in m.content %}"
                + "{% if c.type == 'image' %}<|vision_start|><|image_pad|><|vision_end|>{% else %}Q: {{ c.text }}"
                + "{% endif %}{% endfor %}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n"
                + "{% endif %}";
        ObjectMapper json = new ObjectMapper();
        Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(Map.of("chat_template",
                java.util.List.of(Map.of("name", "tool_use", "template", "x"), Map.of("name", "default",
                        "template", custom)), "bos_token", Map.of("content", "<s>"))));
        PromptTurn fromTokenizer = FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM);
        assertEquals("<s><|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Q: ", fromTokenizer.beforeText());
        Files.writeString(dir.resolve("chat_template.json"), json.writeValueAsString(Map.of("chat_template",
                custom.replace("Q: ", "Question: "))));
        assertTrue(FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM).beforeText().endsWith("Question: "),
                "chat_template.json before tokenizer_config.json");
        Files.writeString(dir.resolve("chat_template.jinja"), custom.replace("Q: ", "Ask: "));
        assertTrue(FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM).beforeText().endsWith("Ask: "),
                "chat_template.jinja first");
    }

    @Test
    void aTemplateThatCannotBeFollowedGivesTheBuiltInTurn(@TempDir Path dir) throws Exception {
        for (String bad : new String[] {
            "{% extends 'base.html' %}",                                    // not a chat-template feature
            "{{ raise_exception('only text') }}",                           // the template refuses this conversation
            "{% for m in messages %}{{ m.content[1].text }}{% endfor %}",   // no image placeholder
            "<|image_pad|>{{ messages[0].content[1].text|upper }}",         // rewrites the question
            "{% if %}"}) {                                                   // a syntax error
            Files.writeString(dir.resolve("chat_template.jinja"), bad);
            assertSame(ChatTemplate.WITH_DEFAULT_SYSTEM, FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM),
                    bad);
        }
    }

    @Test
    void aBrokenJsonFileIsOneErrorNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("chat_template.json"), "{\"chat_template\": ");
        BadInputException e = assertThrows(BadInputException.class,
                () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertTrue(e.getMessage().contains("chat_template.json"), e.getMessage());
        Files.writeString(dir.resolve("chat_template.json"), "{\"chat_template\": 3}");
        assertThrows(BadInputException.class, () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertFalse(Files.exists(dir.resolve("chat_template.jinja")));
    }

    @Test
    void hostileTemplatesGiveTheBuiltInTurn(@TempDir Path dir) throws Exception {
        for (String bad : new String[] {
            "{{ " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }}",               // a StackOverflowError before
            "{% if 1 %}".repeat(5000) + "{% endif %}".repeat(5000),
            "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",                       // recursion
            "{{ 2 ** 999999999999999 }}",                                            // hung before
            "{{ [] * 999999999999999 }}",                                            // hung before
            "{{ 9999999999999999999 }}", "{{ messages[0].content[1].text[:none.x] }}", "{{ 1 / 0 }}", "{{ [][3] }}",
            "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"}) {
            Files.writeString(dir.resolve("chat_template.jinja"), bad);
            assertSame(ChatTemplate.WITH_DEFAULT_SYSTEM, FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM),
                    bad.substring(0, Math.min(60, bad.length())));
        }
    }

    /** The warning quotes the template's own message: one short line, whatever the template raises. */
    @Test
    void theWarningIsOneShortLine() {
        String why = FolderChatTemplate.oneLine("the template raised: a\nWARNING: forged\u001b[2J" + "x".repeat(100_000));
        assertEquals(1, why.lines().count(), why);
        assertFalse(why.contains("\u001b"), why);
        assertTrue(why.length() < 300 && why.startsWith("the template raised: a\\nWARNING: forged?[2J"), why);
    }

    @Test
    void anUnreadableTemplateFileIsOneErrorNamingIt(@TempDir Path dir) throws Exception {
        Path jinja = dir.resolve("chat_template.jinja");
        Files.write(jinja, new byte[] {'{', '{', ' ', (byte) 0xff, (byte) 0xfe, ' ', '}', '}'});
        BadInputException e = assertThrows(BadInputException.class,
                () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertTrue(e.getMessage().contains("chat_template.jinja") && e.getMessage().contains("UTF-8"), e.getMessage());
        try (var out = Files.newOutputStream(jinja)) { // 2 MiB: read whole, a far larger one would exhaust memory
            byte[] block = new byte[1 << 16];
            java.util.Arrays.fill(block, (byte) 'x');
            for (int i = 0; i < 32; i++) {
                out.write(block);
            }
        }
        e = assertThrows(BadInputException.class, () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertTrue(e.getMessage().contains("chat_template.jinja") && e.getMessage().contains("bytes"), e.getMessage());
        Files.delete(jinja);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(dir.resolve("chat_template.json").toFile(), "rw")) {
            f.setLength(FolderChatTemplate.MAX_JSON_BYTES + 1); // sparse
        }
        e = assertThrows(BadInputException.class, () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertTrue(e.getMessage().contains("chat_template.json") && e.getMessage().contains("bytes"), e.getMessage());
        Files.delete(dir.resolve("chat_template.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "[".repeat(5000) + "]".repeat(5000));
        e = assertThrows(BadInputException.class, () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertTrue(e.getMessage().contains("tokenizer_config.json"), e.getMessage());
        assertFalse(e.getMessage().contains("[Source") || e.getMessage().contains("\n"), e.getMessage());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{{ x }\", \"bos_token\": ");
        e = assertThrows(BadInputException.class, () -> FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertFalse(e.getMessage().contains("[Source"), e.getMessage());
    }
}
