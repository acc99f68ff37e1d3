package org.visualrft.model.tokenizer;

import org.visualrft.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the built-in model's {@code tokenizer.json} for a task language (a Hugging Face Unigram tokenizer that DJL
 * loads like any other).
 *
 * <p>Design, and why:
 * <ul>
 *   <li><b>One token per number 0..1000.</b> Visual-RFT boxes are integers in [0, 1000]. A PyTorch
 *       prototype of the built-in model (docs/model.md) learned localisation 2–3× faster per step with one token per
 *       coordinate value than with digit sequences, and sequences were ~40% shorter.</li>
 *   <li><b>Merged tokens for the fixed answer pieces</b> ({@code [{'Position': [}, {@code ], 'Confidence': }, …) and
 *       one token per confidence value 0.0–1.0 and 0.00–1.00: detection answers shrink to a few tokens per box, and
 *       because decoding concatenates pieces verbatim the decoded text is exactly Visual-RFT's format, which is what
 *       the reward functions parse.</li>
 *   <li><b>Words of the task corpus</b>, with and without a leading space, so prompts and labels are a handful of
 *       tokens.</li>
 *   <li><b>Every printable ASCII character and newline</b> as a fallback piece, so any ASCII text encodes and decodes
 *       to itself (other characters become {@code <unk>}).</li>
 *   <li>Unigram with (nearly) equal scores per piece: the tokenizer picks the segmentation with the fewest pieces,
 *       so the merged pieces win over spelling them out; numbers and answer pieces score slightly higher (−0.9 vs
 *       −1) so that ties such as {@code ", 1000"} = {@code ", "+"1000"} or {@code ","+" 1000"} always split the same
 *       way (corpus words are letters only for the same reason). No normaliser, no pre-tokeniser; the {@code Fuse} decoder
 *       joins pieces without adding spaces.</li>
 * </ul>
 */
public final class TaskTokenizerBuilder {
    /** Special tokens, with fixed ids 0..5. {@code <|im_end|>} ends a completion (EOS), as in Qwen2-VL. */
    public static final String UNK = "<unk>";
    public static final String PAD = "<pad>";
    public static final String EOS = "<|im_end|>";
    public static final String USER = "<|user|>";
    public static final String ASSISTANT = "<|assistant|>";
    public static final String IMAGE = "<|image|>";
    public static final List<String> SPECIALS = List.of(UNK, PAD, EOS, USER, ASSISTANT, IMAGE);

    /** The fixed pieces of Visual-RFT's prompts and answers (docs/original-code.md, "Task prompts"). */
    public static final List<String> ANSWER_PIECES = List.of(
            "<think>", "</think>", " </think>", "<answer>", "</answer>",
            "[{'Position': [", "}, {'Position': [", "], 'Confidence': ", "}]", "No Objects", ", ",
            "<think> ... </think> <answer>", " <answer>", "'");

    private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z'\\-]*");

    private final Set<String> pieces = new LinkedHashSet<>();
    /** Numbers, confidences and answer pieces: preferred when two segmentations have equally many pieces. */
    private final Set<String> preferred = new java.util.HashSet<>();

    public TaskTokenizerBuilder() {
        pieces.addAll(SPECIALS);
        pieces.add("\n");
        for (char c = 32; c < 127; c++) {
            pieces.add(String.valueOf(c));
        }
        for (int i = 0; i <= 1000; i++) {
            pieces.add(Integer.toString(i));
        }
        for (int i = 0; i <= 10; i++) {
            pieces.add(String.format(Locale.ROOT, "%.1f", i / 10.0));
        }
        for (int i = 0; i <= 100; i++) {
            pieces.add(String.format(Locale.ROOT, "%.2f", i / 100.0));
        }
        pieces.addAll(ANSWER_PIECES);
        preferred.addAll(pieces);
        for (char c = 32; c < 127; c++) {
            preferred.remove(String.valueOf(c));
        }
        preferred.add("0");
        preferred.add("1");
        preferred.addAll(List.of("2", "3", "4", "5", "6", "7", "8", "9"));
    }

    /** Adds each word of {@code texts} (prompts, labels, think words) as a piece, bare and with a leading space. */
    public TaskTokenizerBuilder addCorpus(Collection<String> texts) {
        for (String text : texts) {
            Matcher m = WORD.matcher(text);
            while (m.find()) {
                String w = m.group();
                if (w.length() > 1) {
                    pieces.add(w);
                    pieces.add(" " + w);
                }
            }
        }
        return this;
    }

    /** Adds whole pieces verbatim (e.g. a category name with its spaces, a fixed sentence). */
    public TaskTokenizerBuilder addPieces(Collection<String> verbatim) {
        for (String p : verbatim) {
            if (!p.isEmpty()) {
                pieces.add(p);
            }
        }
        return this;
    }

    public int size() {
        return pieces.size();
    }

    /** The tokenizer.json text. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIALS.size(); i++) {
            ObjectNode a = added.addObject();
            a.put("id", i);
            a.put("content", SPECIALS.get(i));
            a.put("single_word", false);
            a.put("lstrip", false);
            a.put("rstrip", false);
            a.put("normalized", false);
            a.put("special", true);
        }
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model");
        model.put("type", "Unigram");
        model.put("unk_id", 0);
        ArrayNode vocab = model.putArray("vocab");
        for (String p : pieces) {
            ArrayNode e = vocab.addArray();
            e.add(p);
            e.add(SPECIALS.contains(p) ? 0.0 : preferred.contains(p) ? -0.9 : -1.0);
        }
        model.put("byte_fallback", false);
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes tokenizer.json atomically (temporary name, then rename). */
    public void write(Path file) {
        AtomicFile.writeString(file, toJson());
    }
}
