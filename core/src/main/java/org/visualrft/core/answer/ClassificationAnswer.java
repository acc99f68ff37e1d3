package org.visualrft.core.answer;

/**
 * A classification answer.
 *
 * @param label  the answer text, stripped of Python whitespace (may be empty)
 * @param tagged true when it came from an {@code <answer>…</answer>} block, false when the extraction fell back to
 *               the whole completion (the original's behaviour when the block is missing or spans lines)
 */
public record ClassificationAnswer(String label, boolean tagged) {
}
