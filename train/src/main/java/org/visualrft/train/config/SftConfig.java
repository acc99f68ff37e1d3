package org.visualrft.train.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An SFT run on the same data as GRPO, with TRL {@code SFTConfig}'s field names. The loss is token cross-entropy on
 * the target only (TRL {@code completion_only_loss}); the prompt is context.
 *
 * @param maxLength longest target in tokens; longer targets are a data fault, never silently cut
 * @param sftTarget answer only, or a thinking part then the answer
 */
public record SftConfig(TrainingArguments args, int maxLength, SftTarget sftTarget) {

    static final List<String> KEYS = List.of("max_length", "sft_target", "completion_only_loss");

    public static SftConfig load(Path file) {
        return read(YamlFields.parse(file));
    }

    public static SftConfig parse(String source, String yaml) {
        return read(YamlFields.parse(source, yaml));
    }

    static SftConfig read(YamlFields y) {
        TrainingArguments args = TrainingArguments.read(y, 2e-5);
        int maxLength = y.integer("max_length", 256);
        String target = y.choice("sft_target", "answer_only", List.of("answer_only", "with_thinking"));
        if (!y.bool("completion_only_loss", true)) { // TRL's key: true is what runs here
            throw y.fault("completion_only_loss", "must be true: the loss here is on the target tokens only (the"
                    + " prompt and image are context); a loss over the prompt too is not implemented");
        }
        List<String> known = new ArrayList<>(TrainingArguments.KEYS);
        known.addAll(KEYS);
        y.rejectUnread(known);
        TrainingArguments.tokens(y, "max_length", maxLength);
        return new SftConfig(args, maxLength,
                target.equals("answer_only") ? SftTarget.ANSWER_ONLY : SftTarget.WITH_THINKING);
    }

    public Map<String, Object> asYaml() {
        Map<String, Object> m = new LinkedHashMap<>(args.asYaml());
        m.put("max_length", maxLength);
        m.put("sft_target", sftTarget.yamlName());
        return m;
    }
}
