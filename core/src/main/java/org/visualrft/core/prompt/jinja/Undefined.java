package org.visualrft.core.prompt.jinja;

/**
 * Jinja's default undefined value: prints as nothing, is false, iterates as empty and has length 0; most other uses
 * (an attribute of it, arithmetic) are an error naming what was undefined.
 */
record Undefined(String name) {
    JinjaException error() {
        return new JinjaException("'" + name + "' is undefined");
    }
}
