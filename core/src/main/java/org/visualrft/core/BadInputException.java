package org.visualrft.core;

import java.nio.file.Path;

/**
 * The one exception type for bad user input: a file (or other named source) and what is wrong with it.
 * The CLI turns it into exit code 2 and a single line {@code <source>: <fault>}.
 */
public class BadInputException extends RuntimeException {
    private final String source;
    private final String fault;

    public BadInputException(String source, String fault) {
        this(source, fault, null);
    }

    public BadInputException(String source, String fault, Throwable cause) {
        // an empty path (--model "") would read ": fault", naming nothing
        super(source == null ? fault : (source.isEmpty() ? "(an empty path)" : source) + ": " + fault, cause);
        this.source = source;
        this.fault = fault;
    }

    public BadInputException(Path file, String fault) {
        this(file == null ? null : file.toString(), fault, null);
    }

    public BadInputException(Path file, String fault, Throwable cause) {
        this(file == null ? null : file.toString(), fault, cause);
    }

    /** The file or other source that is at fault (may be null when it is the command line itself). */
    public String source() {
        return source;
    }

    /** What is wrong, in one sentence. */
    public String fault() {
        return fault;
    }
}
