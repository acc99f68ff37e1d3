package org.visualrft.core.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.core.OracleFixtures;

/**
 * Every case of {@code chat-templates/cases.json} (templates in the Qwen-VL families' style and Jinja2 features,
 * rendered by Jinja2 3.1 configured as Hugging Face's {@code apply_chat_template}): the same text to the character,
 * and an error where Jinja2 raised one.
 */
class ChatTemplateOracleTest {

    static List<JsonNode> cases() throws IOException {
        Path dir = OracleFixtures.family("chat-templates");
        List<JsonNode> out = new ArrayList<>();
        new ObjectMapper().readTree(dir.resolve("cases.json").toFile()).get("cases").forEach(out::add);
        assertFalse(out.isEmpty(), "no cases in " + dir);
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> context(JsonNode c) {
        return new ObjectMapper().convertValue(c.get("context"), Map.class);
    }

    @Test
    void rendersAsJinja2() throws IOException {
        int checked = 0;
        for (JsonNode c : cases()) {
            String name = c.get("name").asText();
            if (c.has("error")) {
                assertThrows(JinjaException.class, () -> JinjaTemplate.parse(c.get("template").asText())
                        .render(context(c)), name + ": Jinja2 raised " + c.get("error").asText());
            } else {
                String got = JinjaTemplate.parse(c.get("template").asText()).render(context(c));
                assertEquals(c.get("expected").asText(), got, name);
            }
            checked++;
        }
        assertFalse(checked == 0);
    }
}
