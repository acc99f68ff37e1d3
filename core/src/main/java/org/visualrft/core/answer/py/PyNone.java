package org.visualrft.core.answer.py;

/** Python's {@code None} in the value model of {@link PyJson} (JSON {@code null}). */
public enum PyNone {
    NONE;

    @Override
    public String toString() {
        return "None";
    }
}
