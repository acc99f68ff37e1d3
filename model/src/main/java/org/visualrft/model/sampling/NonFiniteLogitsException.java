package org.visualrft.model.sampling;

/**
 * A row of logits holding NaN or +infinity (or nothing but −infinity), so that there is no distribution to pick a
 * token from. Hugging Face's {@code generate} fails here in {@code torch.multinomial} with "probability tensor
 * contains either inf, nan or element &lt; 0"; the samplers fail with this, naming the decode step and the row.
 */
public final class NonFiniteLogitsException extends RuntimeException {
    private final int step;
    private final int row;

    /** A row whose place in the decode is not known yet ({@link #at} adds it). */
    public NonFiniteLogitsException() {
        this(-1, -1);
    }

    public NonFiniteLogitsException(int step, int row) {
        super(message(step, row));
        this.step = step;
        this.row = row;
    }

    /** The same fault at decode step {@code step} (0 = the token after the prompt) of row {@code row}. */
    public NonFiniteLogitsException at(int step, int row) {
        return new NonFiniteLogitsException(step, row);
    }

    public int step() {
        return step;
    }

    public int row() {
        return row;
    }

    private static String message(int step, int row) {
        String where = step < 0 ? "a row" : "decode step " + step + ", row " + row;
        return "sampling: the model's logits at " + where + " contain NaN or infinity, so there is no distribution to"
                + " sample from (Hugging Face: \"probability tensor contains either inf, nan or element < 0\"); the"
                + " forward pass broke: likely a bf16/fp16 overflow (try float32 weights) or broken weights";
    }
}
