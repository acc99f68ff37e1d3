package org.visualrft.model.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;
import org.visualrft.core.prompt.jinja.JinjaException;
import org.visualrft.core.prompt.jinja.JinjaTemplate;

/**
 * The prompt turn a model folder's own chat template renders, as the processor's {@code apply_chat_template} would
 * for Visual-RFT's conversation: one user message of an image then the question, {@code add_generation_prompt=True},
 * the tokenizer's special tokens ({@code bos_token}, {@code eos_token}, …) as variables. The template is the one
 * transformers reads: {@code chat_template.jinja}, else {@code chat_template.json}'s {@code chat_template}, else
 * {@code tokenizer_config.json}'s (a string, or the one named {@code default} of a list).
 *
 * <p>A folder without a template, or with one that cannot be followed here (a Jinja2 feature chat templates do not
 * use, a template that raises for this conversation, drops the image or rewrites the question), gets the family's
 * built-in turn, with a warning naming the file and why.
 */
public final class FolderChatTemplate {
    private static final System.Logger LOG = System.getLogger(FolderChatTemplate.class.getName());
    /** The question's stand-in while rendering: the turn is the text around it. */
    static final String QUESTION = "VrftQuestion_7f3a"; // mixed case: upper(), lower() or title() would change it
    /** The system message's stand-in, rendered in a second pass: the turn with a system message is the text around it. */
    static final String SYSTEM = "VrftSystem_2c9e";
    static final String IMAGE_PAD = "<|image_pad|>";
    /** Real templates are a few KiB; Qwen2.5-VL's, the largest of the families, is under 4 KiB. */
    static final long MAX_TEMPLATE_BYTES = 1 << 20;
    /** tokenizer_config.json and chat_template.json: kilobytes in the hub's folders, a few MiB at the most. */
    static final long MAX_JSON_BYTES = 64L << 20;

    private FolderChatTemplate() {
    }

    /** A template file and its source text. */
    record Source(Path file, String text) {
    }

    /** The folder's turn, or {@code builtin} (see the class comment); a broken JSON file is a BadInputException. */
    public static PromptTurn turn(Path dir, PromptTurn builtin) {
        Source src = find(dir);
        if (src == null) {
            return builtin;
        }
        String why;
        try {
            PromptTurn t = render(src, specialTokens(dir));
            if (t.beforeText().equals(builtin.beforeText()) && t.afterText().equals(builtin.afterText())
                    && java.util.Objects.equals(t.withSystem(), builtin.withSystem())) {
                return builtin;
            }
            LOG.log(System.Logger.Level.INFO, "{0}: prompts follow this chat template, which renders the turn "
                    + "differently from the {1}", src.file(), builtin.source());
            return t;
        } catch (JinjaException | IllegalArgumentException e) {
            why = oneLine(e.getMessage());
        }
        LOG.log(System.Logger.Level.WARNING, "{0}: this chat template cannot be followed here ({1}); prompts follow the "
                + "{2}", src.file(), why, builtin.source());
        return builtin;
    }

    /**
     * The fault as one short line: it may quote the template (a {@code raise_exception} message, a string literal),
     * which can hold newlines, terminal control sequences or megabytes.
     */
    static String oneLine(String why) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < why.length() && b.length() < 200; i++) {
            char c = why.charAt(i);
            b.append(c == '\n' ? "\\n" : Character.isISOControl(c) ? "?" : String.valueOf(c));
        }
        return b.length() < why.length() ? b + "…" : b.toString();
    }

    /**
     * Renders the turn; a fault is a JinjaException or an IllegalArgumentException saying what is wrong. The template is
     * rendered a second time with a system message before the user's (its content a string, as Visual-RFT's grounding
     * evaluation passes it); a template that cannot render that keeps its turn, and a prompt with a system message is
     * then refused with the reason.
     */
    static PromptTurn render(Source src, Map<String, Object> specialTokens) {
        JinjaTemplate template = JinjaTemplate.parse(src.text());
        String text = template.render(context(specialTokens, false));
        String[] qa = splitOnce(text, QUESTION, "the question");
        if (count(qa[0], IMAGE_PAD) != 1 || count(qa[1], IMAGE_PAD) != 0) {
            throw new IllegalArgumentException("it does not put one " + IMAGE_PAD + " before the question");
        }
        PromptTurn.WithSystem withSystem = null;
        String why = null;
        try {
            String[] sq = splitOnce(template.render(context(specialTokens, true)), SYSTEM, "the system message");
            String[] between = splitOnce(sq[1], QUESTION, "the question after the system message");
            if (count(sq[0], IMAGE_PAD) != 0 || count(between[0], IMAGE_PAD) != 1 || count(between[1], IMAGE_PAD) != 0) {
                throw new IllegalArgumentException("with a system message it does not put one " + IMAGE_PAD
                        + " between it and the question");
            }
            withSystem = new PromptTurn.WithSystem(sq[0], between[0], between[1]);
        } catch (JinjaException | IllegalArgumentException e) {
            why = oneLine(e.getMessage());
        }
        return new PromptTurn(qa[0], qa[1], src.file().toString(), withSystem, why);
    }

    /** The conversation Visual-RFT asks: [system,] user(image, question), with the generation prompt. */
    private static Map<String, Object> context(Map<String, Object> specialTokens, boolean system) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        Map<String, Object> user = Map.of("role", "user", "content", List.of(Map.of("type", "image"),
                Map.of("type", "text", "text", QUESTION)));
        context.put("messages", system ? List.of(Map.of("role", "system", "content", SYSTEM), user) : List.of(user));
        context.put("add_generation_prompt", true);
        return context;
    }

    /** The text before and after the one occurrence of {@code mark}; anything else is an IllegalArgumentException. */
    private static String[] splitOnce(String text, String mark, String what) {
        int at = text.indexOf(mark);
        if (at < 0 || text.indexOf(mark, at + 1) >= 0) {
            throw new IllegalArgumentException("it does not write " + what + " once, as given");
        }
        return new String[] {text.substring(0, at), text.substring(at + mark.length())};
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + part.length())) {
            n++;
        }
        return n;
    }

    /** The template transformers would use, or null when the folder has none. */
    static Source find(Path dir) {
        try {
            Path jinja = dir.resolve("chat_template.jinja");
            if (Files.isRegularFile(jinja)) {
                return new Source(jinja, readTemplate(jinja));
            }
            for (Path json : List.of(dir.resolve("chat_template.json"), dir.resolve("tokenizer_config.json"))) {
                if (!Files.isRegularFile(json)) {
                    continue;
                }
                JsonNode t = readJson(json).get("chat_template");
                if (t == null || t.isNull()) {
                    continue;
                }
                if (t.isTextual()) {
                    return new Source(json, t.asText());
                }
                if (t.isArray()) { // named templates: the default one
                    for (JsonNode named : t) {
                        if ("default".equals(named.path("name").asText()) && named.path("template").isTextual()) {
                            return new Source(json, named.get("template").asText());
                        }
                    }
                    continue;
                }
                throw new BadInputException(json, "chat_template must be a string or a list of named templates");
            }
            return null;
        } catch (IOException e) {
            throw new BadInputException(dir, "cannot read its chat template: " + JsonErrors.describe(e), e);
        }
    }

    /**
     * A {@code chat_template.jinja} as strict UTF-8 (as transformers reads it), refused past {@link #MAX_TEMPLATE_BYTES}
     * without reading it whole: a folder's file must not exhaust memory.
     */
    private static String readTemplate(Path file) throws IOException {
        if (Files.size(file) > MAX_TEMPLATE_BYTES) {
            throw new BadInputException(file, "a chat template of " + Files.size(file) + " bytes; at most "
                    + MAX_TEMPLATE_BYTES + " are read");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadInputException(file, "not valid UTF-8 text", e);
        }
    }

    /** tokenizer_config.json's special tokens (a string or {@code {"content": …}}), as apply_chat_template passes them. */
    static Map<String, Object> specialTokens(Path dir) {
        Map<String, Object> out = new LinkedHashMap<>();
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(cfg)) {
            return out;
        }
        JsonNode root = readJson(cfg);
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token",
                "mask_token")) {
            JsonNode v = root.get(key);
            if (v != null && v.isTextual()) {
                out.put(key, v.asText());
            } else if (v != null && v.path("content").isTextual()) {
                out.put(key, v.get("content").asText());
            }
        }
        return out;
    }

    private static JsonNode readJson(Path file) {
        try {
            if (Files.size(file) > MAX_JSON_BYTES) {
                throw new BadInputException(file, "a file of " + Files.size(file) + " bytes; at most " + MAX_JSON_BYTES
                        + " are read");
            }
            JsonNode n = new ObjectMapper().readTree(file.toFile());
            if (n == null || !n.isObject()) {
                throw new BadInputException(file, "not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + JsonErrors.describe(e), e);
        }
    }
}
