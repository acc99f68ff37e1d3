package org.visualrft.app.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;

/**
 * Turns what reaches the top of a command into the one line the CLI prints: the first line of the message, without
 * Jackson's source echo, and file-system errors (which carry only a path as their message) in words.
 */
final class ErrorLines {
    private ErrorLines() {
    }

    /** The first line of {@code message}, without a trailing {@code at [Source: ...]} and never empty. */
    static String oneLine(String message) {
        if (message == null || message.isBlank()) {
            return "unknown error";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl).strip();
        }
        int src = m.indexOf(" at [Source:");
        return src >= 0 ? m.substring(0, src) : m;
    }

    /** One line describing an unexpected failure. */
    static String describe(Throwable t) {
        Throwable cause = t instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : t;
        if (cause instanceof FileSystemException fs) {
            return fileSystem(fs);
        }
        if (cause instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            return JsonErrors.describe(j);
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : oneLine(m);
    }

    /**
     * A file-system error about a path the user named (an output that is in the way, a folder that cannot be
     * written) is bad input: exit 2 with the path and the reason. Other exceptions give null.
     */
    static BadInputException asBadInput(Throwable t) {
        if (t instanceof BadInputException bad) {
            return bad;
        }
        Throwable cause = t instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : t;
        if (cause instanceof FileAlreadyExistsException || cause instanceof NotDirectoryException
                || cause instanceof AccessDeniedException) {
            FileSystemException fs = (FileSystemException) cause;
            return new BadInputException(fs.getFile(), reason(fs), t);
        }
        return null;
    }

    private static String fileSystem(FileSystemException fs) {
        String file = fs.getFile() == null ? "" : fs.getFile() + ": ";
        return file + reason(fs);
    }

    private static String reason(FileSystemException fs) {
        if (fs instanceof FileAlreadyExistsException) {
            return "is in the way (a file exists where a folder or new file is needed)";
        }
        if (fs instanceof NotDirectoryException) {
            return "is not a folder";
        }
        if (fs instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (fs instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        return fs.getReason() != null ? fs.getReason() : fs.getClass().getSimpleName();
    }
}
