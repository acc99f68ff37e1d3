package org.visualrft.model.qwen2vl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face-style folder around the qwen2vl-tiny fixture weights, with a small word-level tokenizer.json whose
 * special tokens carry the fixture's ids (image pad 300, vision start/end 301/302, im_end = eos 303, pad 304).
 */
public final class TinyQwenFolder {
    private TinyQwenFolder() {
    }

    static Path create(Path dir) throws IOException {
        return create(dir, Fixture.DIR);
    }

    /** The same around another oracle folder with these special ids (qwen25vl-tiny, qwen3vl-tiny). */
    public static Path create(Path dir, Path fixture) throws IOException {
        for (String f : new String[] {"config.json", "model.safetensors", "preprocessor_config.json", "generation_config.json"}) {
            Files.copy(fixture.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put("<|image_pad|>", 300);
        special.put("<|vision_start|>", 301);
        special.put("<|vision_end|>", 302);
        special.put("<|im_end|>", 303);
        special.put("<|endoftext|>", 304);
        special.put("<|video_pad|>", 305);
        special.put("<|im_start|>", 306);
        String[] words = {"system", "user", "assistant", "You", "are", "a", "helpful", ".", "What", "is", "in", "the",
            "image", "?", "cat", "dog", "box", "<answer>", "</answer>", "1", "2", "3", ","};
        StringBuilder vocab = new StringBuilder("\"<unk>\": 0");
        for (int i = 0; i < words.length; i++) {
            vocab.append(", \"").append(words[i]).append("\": ").append(i + 1);
        }
        // the remaining ids get filler names so every id decodes
        for (int id = words.length + 1; id < 300; id++) {
            vocab.append(", \"w").append(id).append("\": ").append(id);
        }
        StringBuilder added = new StringBuilder();
        for (var e : special.entrySet()) {
            vocab.append(", \"").append(e.getKey()).append("\": ").append(e.getValue());
            if (added.length() > 0) {
                added.append(", ");
            }
            added.append("{\"id\": ").append(e.getValue()).append(", \"content\": \"").append(e.getKey())
                    .append("\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}");
        }
        String json = "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, \"added_tokens\": [" + added
                + "], \"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"post_processor\": null,"
                + " \"decoder\": null, \"model\": {\"type\": \"WordLevel\", \"vocab\": {" + vocab + "}, \"unk_token\": \"<unk>\"}}";
        Files.writeString(dir.resolve("tokenizer.json"), json);
        return dir;
    }
}
