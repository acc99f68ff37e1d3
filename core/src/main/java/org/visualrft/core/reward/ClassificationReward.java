package org.visualrft.core.reward;

import java.util.List;
import java.util.Map;
import org.visualrft.core.answer.AnswerTags;
import org.visualrft.core.answer.PythonText;

/**
 * Classification accuracy ({@code accuracy}).
 *
 * <p>{@link RewardMode#VISUAL_RFT}: the original rule, a two-way substring test after removing spaces and
 * underscores and lower-casing ({@code grpo_classification.py}); an empty answer, a partial name or a list of
 * several classes scores 1, and an answer block spanning lines falls back to the whole completion.
 *
 * <p>{@link RewardMode#STRICT}: the text of the first {@code <answer>…</answer>} (line breaks allowed; no block
 * scores 0) must equal the ground-truth label or one of its synonyms after {@link LabelNormalizer#strict}
 * normalisation. Empty and multi-label answers score 0. Synonyms come from {@link RewardOptions#synonyms()} (keyed by
 * the normalised ground-truth label) and from the sample column {@code synonyms} (a list of strings).
 */
public final class ClassificationReward extends ModalReward {
    public static final String NAME = "accuracy";

    public ClassificationReward(RewardMode mode, RewardOptions options) {
        super(NAME, mode, options);
    }

    @Override
    double original(String completion, RewardSample sample) {
        return visualRft(completion, sample.solution());
    }

    static double visualRft(String completion, String solution) {
        String gt = LabelNormalizer.visualRft(AnswerTags.answerOrWhole(solution, false));
        String ans = LabelNormalizer.visualRft(AnswerTags.answerOrWhole(completion, false));
        return PythonText.contains(ans, gt) || PythonText.contains(gt, ans) ? 1.0 : 0.0;
    }

    @Override
    double strict(String completion, RewardSample sample) {
        String answer = AnswerTags.search(completion, true);
        if (answer == null) {
            return 0.0;
        }
        String ans = LabelNormalizer.strict(answer);
        if (ans.isEmpty()) {
            return 0.0;
        }
        String gt = LabelNormalizer.strict(AnswerTags.answerOrWhole(sample.solution(), true));
        if (ans.equals(gt)) {
            return 1.0;
        }
        List<String> fromOptions = options.synonyms().get(gt);
        if (fromOptions != null) {
            for (String s : fromOptions) {
                if (ans.equals(LabelNormalizer.strict(s))) {
                    return 1.0;
                }
            }
        }
        Object column = sample.columns().get("synonyms");
        if (column instanceof List<?> list) {
            for (Object s : list) {
                if (s instanceof String str && ans.equals(LabelNormalizer.strict(str))) {
                    return 1.0;
                }
            }
        }
        return 0.0;
    }

    /** Synonym table keyed by normalised label. */
    static Map<String, List<String>> normalizeKeys(Map<String, List<String>> table) {
        Map<String, List<String>> out = new java.util.HashMap<>();
        table.forEach((k, v) -> out.put(LabelNormalizer.strict(k), List.copyOf(v)));
        return out;
    }
}
