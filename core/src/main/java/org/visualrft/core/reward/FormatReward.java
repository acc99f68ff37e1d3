package org.visualrft.core.reward;

import org.visualrft.core.answer.PythonText;

/**
 * 1 when the whole completion matches {@code <think>.*?</think>\s*<answer>.*?</answer>} (Python
 * {@code re.fullmatch} with DOTALL, Python's {@code \s}), else 0. Identical in both modes and all three tasks.
 *
 * <p>Equivalent formulation used here (no regex engine): the text starts with {@code <think>}, ends with
 * {@code </answer>}, and some {@code </think>} after the opening tag is followed by only whitespace and then an
 * {@code <answer>} that ends before the final {@code </answer>} starts.
 */
public final class FormatReward implements RewardFunction {
    public static final String NAME = "format";
    private static final String THINK = "<think>";
    private static final String END_THINK = "</think>";
    private static final String ANSWER = "<answer>";
    private static final String END_ANSWER = "</answer>";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public double score(String completion, RewardSample sample) {
        return matches(completion) ? 1.0 : 0.0;
    }

    /** The fullmatch test. */
    public static boolean matches(String s) {
        if (!s.startsWith(THINK) || !s.endsWith(END_ANSWER)) {
            return false;
        }
        int finalClose = s.length() - END_ANSWER.length();
        int from = THINK.length();
        while (true) {
            int i = s.indexOf(END_THINK, from);
            if (i < 0) {
                return false;
            }
            int j = PythonText.skipSpace(s, i + END_THINK.length(), s.length());
            if (s.startsWith(ANSWER, j) && j + ANSWER.length() <= finalClose) {
                return true;
            }
            from = i + 1;
        }
    }
}
