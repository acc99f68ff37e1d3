package org.visualrft.core.answer;

import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyJson;
import org.visualrft.core.answer.py.PyNone;

/**
 * The original detection parsing ({@code grpo.py}), step for step, producing Python values (see {@link PyJson}):
 * the student side ({@code <answer>} search without DOTALL, strip, re-wrap, {@code [[}/{@code ]]}/newline fixes)
 * and {@code extract_bbox} (first tags, truncation repair, {@code '}→{@code "}, {@code json.loads}).
 */
public final class OriginalBoxParsing {
    private OriginalBoxParsing() {
    }

    /** The string the original hands to {@code extract_bbox} for a completion. */
    public static String studentString(String completion) {
        String s = AnswerTags.OPEN + AnswerTags.answerOrWhole(completion, false) + AnswerTags.CLOSE;
        if (s.indexOf("[[") >= 0) {
            s = s.replace("[[", "[");
        }
        if (s.indexOf("]]") >= 0) {
            s = s.replace("]]", "]");
        }
        if (s.indexOf('\n') >= 0) {
            s = s.replace("\n", "");
        }
        return s;
    }

    /**
     * {@code extract_bbox(text)}: the decoded Python value, {@link PyNone#NONE} where the original returns None
     * (no {@code <answer>}, or a JSONDecodeError), and a thrown {@link PyError} where {@code json.loads} raises
     * something else (an int of more than 4300 digits, too deep nesting).
     */
    public static Object extractBbox(String text) {
        int open = text.indexOf(AnswerTags.OPEN);
        if (open < 0) {
            return PyNone.NONE;
        }
        int start = open + AnswerTags.OPEN.length();
        int end = text.indexOf(AnswerTags.CLOSE);
        if (end < 0) {
            end = text.length();
        }
        String content = start <= end ? text.substring(start, end) : "";
        if (!content.endsWith("]")) {
            int cut = content.lastIndexOf("},");
            content = (cut >= 0 ? content.substring(0, cut) : content) + "}]";
        }
        content = content.replace('\'', '"');
        try {
            return PyJson.loads(content);
        } catch (PyError e) {
            if (e == PyError.JSON_DECODE) {
                return PyNone.NONE;
            }
            throw e;
        }
    }
}
