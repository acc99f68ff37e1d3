package org.visualrft.core.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** A template arrives with a model folder: whatever it does ends in an output or one error, never a hang or a crash. */
class JinjaLimitsTest {
    static JinjaException fails(String template) {
        return assertThrows(JinjaException.class, () -> JinjaTemplate.parse(template).render(Map.of()));
    }

    @Test
    void runawayTemplatesAreOneError() {
        assertTrue(fails("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}").getMessage().contains("nested calls"));
        assertTrue(fails("{% for i in range(1000000) %}{% for j in range(1000000) %}{% endfor %}{% endfor %}")
                .getMessage().contains("loop iterations"));
        assertTrue(fails("{{ 'x' * 100000000 }}").getMessage().contains("repetition"));
        assertTrue(fails("{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}").getMessage().contains("MiB"));
    }

    @Test
    void aTemplateThatRunsTooLongIsOneError() {
        long before = Renderer.maxNanos;
        Renderer.maxNanos = 300_000_000L; // each iteration is within every bound; together they would take an hour
        try {
            assertTrue(fails("{% for i in range(1000000) %}{% set y = 'x' * 16000000 %}{% endfor %}").getMessage()
                    .contains("ran for more than 0.3 s"));
        } finally {
            Renderer.maxNanos = before;
        }
    }

    @Test
    void malformedTemplatesAreOneErrorNamingTheLine() {
        assertEquals("line 2: a tag is not closed", fails("ok\n{{ x ").getMessage());
        assertTrue(fails("{% for x in y %}").getMessage().contains("ends inside a block"));
        assertTrue(fails("{{ 'abc }}").getMessage().contains("not closed"));
        assertTrue(fails("{% endif %}").getMessage().contains("endif"));
        assertTrue(fails("{{ 1 + }}").getMessage().startsWith("line 1"));
        assertTrue(fails("{# open").getMessage().contains("comment"));
    }
}
