package org.visualrft.core.answer;

/**
 * {@code re.search(r'<answer>(.*?)</answer>', text[, re.DOTALL])} as CPython runs it, without a regex engine.
 *
 * <p>Without DOTALL Python's {@code .} excludes only {@code \n} (it matches {@code \r}, U+0085, U+2028), which
 * Java's {@code .} does not reproduce; the leftmost {@code <answer>} whose closing tag follows before any
 * {@code \n} wins. With DOTALL the first {@code <answer>} that has any {@code </answer>} after it wins.
 */
public final class AnswerTags {
    public static final String OPEN = "<answer>";
    public static final String CLOSE = "</answer>";

    private AnswerTags() {
    }

    /** The text of group 1, or null when the pattern does not match. */
    public static String search(String text, boolean dotAll) {
        long r = searchRange(text, dotAll);
        return r < 0 ? null : text.substring((int) (r >>> 32), (int) r);
    }

    /** Group 1's bounds packed as {@code start << 32 | end}, or -1 when the pattern does not match. */
    public static long searchRange(String text, boolean dotAll) {
        int open = text.indexOf(OPEN);
        if (open < 0) {
            return -1;
        }
        int close = text.indexOf(CLOSE, open + OPEN.length());
        if (close < 0) {
            return -1; // no later start can find a closing tag either
        }
        if (dotAll) {
            return (long) (open + OPEN.length()) << 32 | close;
        }
        // linear overall: the next closing tag and the next newline are only searched again once passed
        int newline = text.indexOf('\n', open + OPEN.length());
        while (true) {
            int start = open + OPEN.length();
            if (close < start) {
                close = text.indexOf(CLOSE, start);
                if (close < 0) {
                    return -1;
                }
            }
            if (newline >= 0 && newline < start) {
                newline = text.indexOf('\n', start);
            }
            if (newline < 0 || newline > close) {
                return (long) start << 32 | close;
            }
            open = text.indexOf(OPEN, open + 1);
            if (open < 0) {
                return -1;
            }
        }
    }

    /**
     * The original's answer text: group 1 stripped when the pattern matches, else the whole text stripped
     * ({@code m.group(1).strip() if m else text.strip()}).
     */
    public static String answerOrWhole(String text, boolean dotAll) {
        String g = search(text, dotAll);
        return PythonText.strip(g != null ? g : text);
    }
}
