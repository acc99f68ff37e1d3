package org.visualrft.core.prompt.jinja;

import java.util.List;
import java.util.Map;

/**
 * A chat template (Jinja2 source, as Hugging Face keeps it in {@code chat_template.jinja} or a tokenizer's
 * {@code chat_template}), parsed once and rendered as {@code apply_chat_template} renders it: Jinja2's
 * {@code ImmutableSandboxedEnvironment} with {@code trim_blocks} and {@code lstrip_blocks}, the loop controls
 * extension, Hugging Face's {@code tojson} and {@code raise_exception}, and {@code {% generation %}} rendered as its
 * body. The subset of Jinja2 that chat templates use: no template inheritance, includes, imports, call blocks,
 * recursive loops or filter blocks (each refused with one error naming its line).
 *
 * <p>Values passed in: {@code String}, {@code Long}/{@code Integer}, {@code Double}, {@code Boolean}, {@code null},
 * {@code List} and {@code Map} (nested), as a JSON parse gives them.
 */
public final class JinjaTemplate {
    private final List<Node> nodes;

    private JinjaTemplate(List<Node> nodes) {
        this.nodes = nodes;
    }

    /** Parses {@code source}; a syntax error is a {@link JinjaException} naming the line. */
    public static JinjaTemplate parse(String source) {
        try {
            return new JinjaTemplate(Parser.parse(source));
        } catch (StackOverflowError deep) { // the nesting bounds keep this away on a normal stack; a small one may not
            throw new JinjaException("the template nests too deeply to parse");
        }
    }

    /** Renders with {@code context} as the template's variables; a fault is a {@link JinjaException}. */
    public String render(Map<String, ?> context) {
        try {
            return Renderer.render(nodes, Values.normalise(context));
        } catch (StackOverflowError deep) { // as in parse
            throw new JinjaException("the template nests too deeply to render");
        }
    }
}
