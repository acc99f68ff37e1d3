package org.visualrft.core.prompt.jinja;

/** A template that cannot be parsed or rendered: the message names the line of the template and the fault. */
public final class JinjaException extends RuntimeException {
    public JinjaException(String message) {
        super(message);
    }
}
