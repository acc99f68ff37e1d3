package org.visualrft.core.prompt.jinja;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Templates come with model folders, so a hostile one must only ever render or fail with a {@link JinjaException}:
 * the oracle cases' templates, mutated with fixed seeds (tokens inserted, cut, swapped, repeated), and deeply nested
 * expressions and blocks.
 */
class JinjaFuzzTest {
    private static final String[] PIECES = {"{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "(", ")", "[", "]", "{",
        "}", ",", ":", ".", "|", "~", "+", "-", "*", "**", "/", "//", "%", "==", "<", "not ", " in ", " is ", " if ",
        " else ", " and ", " or ", "'", "\"", "0", "1", "-1", "1e308", "9999999999999999999", "0.0", "None", "none",
        "true", "x", "messages", "loop", "ns", "namespace(", "range(", "tojson", "length", "join", "items()", "[0]",
        "[-1]", "[::-1]", "[1:2:0]", "['content']", ".content", "endfor", "endif", "for ", "set ", "macro ",
        "endmacro", "break", "continue", "raise_exception(", "\n", " ", "\u00e9", "\ud800", "0x10", "1_000", "..."};

    /** Renders, failing the test on anything but text or a JinjaException. */
    static void renderOrJinjaError(String template, Map<String, Object> context, String what) {
        try {
            JinjaTemplate.parse(template).render(context);
        } catch (JinjaException expected) {
            assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank(), what);
        } catch (Throwable other) {
            String shown = template.length() > 300 ? template.substring(0, 300) + "…" : template;
            fail(what + ": " + other + "\n--- template ---\n" + shown);
        }
    }

    static String mutate(String t, Random rnd) {
        StringBuilder b = new StringBuilder(t);
        int edits = 1 + rnd.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = b.length() == 0 ? 0 : rnd.nextInt(b.length() + 1);
            switch (rnd.nextInt(4)) {
                case 0 -> b.insert(at, PIECES[rnd.nextInt(PIECES.length)]);
                case 1 -> {
                    int end = Math.min(b.length(), at + 1 + rnd.nextInt(12));
                    if (at < end) {
                        b.delete(at, end);
                    }
                }
                case 2 -> {
                    int end = Math.min(b.length(), at + 1 + rnd.nextInt(30));
                    if (at < end) {
                        b.insert(at, b.substring(at, end));
                    }
                }
                default -> {
                    int other = b.length() == 0 ? 0 : rnd.nextInt(b.length());
                    if (at < b.length()) {
                        char c = b.charAt(at);
                        b.setCharAt(at, b.charAt(other));
                        b.setCharAt(other, c);
                    }
                }
            }
        }
        return b.toString();
    }

    @Test
    void mutatedOracleTemplatesRenderOrFailWithAJinjaError() throws IOException {
        List<JsonNode> cases = ChatTemplateOracleTest.cases();
        int perCase = Integer.getInteger("vrft.fuzz.perCase", 25);
        Random rnd = new Random(Long.getLong("vrft.fuzz.seed", 20261205L));
        for (JsonNode c : cases) {
            String template = c.get("template").asText();
            Map<String, Object> context = ChatTemplateOracleTest.context(c);
            for (int i = 0; i < perCase; i++) {
                renderOrJinjaError(mutate(template, rnd), context, c.get("name").asText() + " mutation " + i);
            }
        }
    }

    @Test
    void hostileValuesAreAJinjaError() {
        String[] hostile = {
            "{{ 9999999999999999999 }}", "{{ 2 ** 999999999999999 }}", "{{ 1 ** 999999999999999999 }}",
            "{{ 'ab' * 9000000000000000000 }}", "{{ [] * 999999999999999 }}", "{{ [1, 2] * 9000000000000000000 }}",
            "{{ [1, 2, 3][:x] }}", "{{ 'abc'[x:] }}", "{{ range(x) }}", "{{ 'a' * x }}",
            // doubling in a loop: past the bound after a few steps, not at 2^64 characters
            "{% set ns = namespace(s='a' * 3000000) %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "{% set ns = namespace(s='a' * 3000000) %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
            "{% set ns = namespace(s=[1]) %}{% for i in range(5000) %}{% set ns.s = [ns.s] %}{% endfor %}{{ ns.s }}",
            "{{ 'a'|indent(-1) }}{{ 'a\nb'|indent(99999999999) }}", "{{ [[1]]|tojson(indent=99999999999) }}",
            "{{ [[1]]|tojson(indent=-3) }}", "{{ 'a'|replace }}", "{{ 'a'|replace('a') }}", "{{ 3 is divisibleby }}",
            "{{ 1 is eq }}", "{{ ','.join() }}", "{{ {}.get() }}", "{{ [1].index() }}", "{{ [1].count() }}",
            "{{ ('NaN'|float)|round(2) }}", "{{ ('inf'|float)|round }}", "{{ 1.5|round(99999999999) }}",
            "{{ 1.5|round(-99999999999) }}", "{{ 'x'|round }}", "{{ none.x }}", "{{ none[0] }}", "{{ none() }}",
            "{{ 1 / 0 }}", "{{ 1 // 0 }}", "{{ 1 % 0 }}", "{{ 1.0 / 0.0 }}", "{{ [1][5] }}", "{{ {}['k'] }}",
            "{{ x.y.z }}", "{{ x|length }}", "{{ 1|length }}", "{{ 'a'.upper.x }}", "{{ loop.index }}",
            "{{ range(1, 10, 0) }}", "{{ range(-9223372036854775807, 9223372036854775807, 9223372036854775807) }}",
            "{{ 9223372036854775807 + 1 }}", "{{ -9223372036854775807 - 2 }}", "{{ 'a'[9223372036854775807] }}",
            "{% for a, b in [1] %}{% endfor %}", "{% set a, b = 1 %}", "{% break %}", "{% include 'x' %}",
            "{% extends 'x' %}", "{% call m() %}{% endcall %}", "{% filter upper %}x{% endfilter %}",
            "{% raw %}x{% endraw %}", "{{ raise_exception('no') }}", "{{ namespace(1) }}", "{{ x|map('upper')|list }}",
            "{{ 1 is divisibleby 0 }}", "{{ ('a' * 1000000)|replace('a', 'b' * 1000) }}", "{{ 'ab'.replace('', 'x' * 9) }}",
            "{{ ('a' * 100000)|replace('', 'b' * 200) }}", "{{ ('a' * 100)|indent(1000000) }}",
            "{{ ('\\u0001' * 3000000)|tojson }}", "{{ [1][] }}", "{{ [3, 'a']|sort }}", "{{ [none, 1]|max }}", "{{ {1: 2}|dictsort }}", "{{ '%s' % 1 }}", "{{ 'a'.format(1) }}",
        };
        for (String t : hostile) {
            renderOrJinjaError(t, Map.of(), t);
        }
        assertTrue(assertThrows(JinjaException.class, () -> JinjaTemplate.parse("{{ 9999999999999999999 }}"))
                .getMessage().contains("beyond 64 bits"));
    }

    @Test
    void deepNestingIsAJinjaError() {
        List<String> deep = new ArrayList<>();
        int n = 5000;
        deep.add("{{ " + "(".repeat(n) + "1" + ")".repeat(n) + " }}");
        deep.add("{{ " + "[".repeat(n) + "1" + "]".repeat(n) + " }}");
        deep.add("{{ " + "{'a': ".repeat(n) + "1" + "}".repeat(n) + " }}");
        deep.add("{{ " + "-".repeat(n) + "1 }}");
        deep.add("{{ " + "not ".repeat(n) + "1 }}");
        deep.add("{{ 1" + " + 1".repeat(20_000) + " }}");
        deep.add("{{ 'a'" + " ~ 'a'".repeat(20_000) + " }}");
        deep.add("{{ x" + "|length".repeat(20_000) + " }}");
        deep.add("{{ x" + ".a".repeat(20_000) + " }}");
        deep.add("{{ 1" + " if 1 else 1".repeat(5_000) + " }}");
        deep.add("{{ f" + "(".repeat(n) + ")".repeat(n) + " }}");
        deep.add("{% if 1 %}".repeat(n) + "x" + "{% endif %}".repeat(n));
        deep.add("{% for i in [1] %}".repeat(n) + "x" + "{% endfor %}".repeat(n));
        deep.add("{% macro m(n) %}{{ " + "(".repeat(150) + "m(n + 1)" + ")".repeat(150) + " }}{% endmacro %}{{ m(0) }}");
        for (String t : deep) {
            renderOrJinjaError(t, Map.of("x", List.of(1)), t.substring(0, Math.min(60, t.length())));
        }
        assertTrue(assertThrows(JinjaException.class, () -> JinjaTemplate.parse(deep.get(0)))
                .getMessage().startsWith("line 1: the template nests more than"));
        // nesting a real template might use still renders
        assertEquals("90", JinjaTemplate.parse("{{ " + "(".repeat(90) + "90" + ")".repeat(90) + " }}").render(Map.of()));
        assertEquals("240", JinjaTemplate.parse("{{ 1" + " + 1".repeat(239) + " }}").render(Map.of()));
        assertEquals("x", JinjaTemplate.parse("{% if 1 %}".repeat(90) + "x" + "{% endif %}".repeat(90))
                .render(Map.of()));
    }
}
