package org.visualrft.core.answer.py;

/**
 * An exception the original Python code would raise at this point (TypeError, KeyError, ZeroDivisionError, ...).
 * The reward functions catch it and score 0, exactly where the original's {@code except Exception} does. It carries
 * no stack trace: it is control flow on untrusted text, thrown often, and never reaches a user.
 */
public final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final PyError TYPE = new PyError("TypeError");
    public static final PyError KEY = new PyError("KeyError");
    public static final PyError INDEX = new PyError("IndexError");
    public static final PyError VALUE = new PyError("ValueError");
    public static final PyError ZERO_DIVISION = new PyError("ZeroDivisionError");
    public static final PyError OVERFLOW = new PyError("OverflowError");
    public static final PyError JSON_DECODE = new PyError("JSONDecodeError");
    public static final PyError RECURSION = new PyError("RecursionError");

    private PyError(String kind) {
        super(kind, null, false, false);
    }
}
