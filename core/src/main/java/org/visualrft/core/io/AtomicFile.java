package org.visualrft.core.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.stream.Stream;
import org.visualrft.core.BadInputException;

/**
 * The project's one way of writing files so that no reader ever sees half of one: the content goes to a temporary
 * file in the same folder, is forced to disk, and is then renamed over the target. On any failure (an I/O error or
 * an exception thrown by the content writer) the temporary file is removed and the target is untouched.
 */
public final class AtomicFile {
    /** What writes the content. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private AtomicFile() {
    }

    /** The content writer's view of the file: closing it only flushes, so the data can still be forced to disk. */
    private static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** Writes what {@code content} produces to {@code target}, creating its folder if needed. */
    public static void write(Path target, Content content) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) { // the folder on the way that is at fault is named (never the temporary file)
                String on = e instanceof java.nio.file.FileSystemException fs && fs.getFile() != null
                        ? fs.getFile() + ": " : "";
                throw new BadInputException(target, "cannot be written: " + on + reason(e), e);
            }
            try {
                tmp = createTemporary(dir, abs.getFileName().toString());
            } catch (IOException e) {
                throw cannotBeWritten(target, e);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(new KeepOpen(out)); // writers such as JSON generators close what they are given
                out.flush();
                ch.force(true); // a checkpoint that survives the rename must also survive a crash
            }
            try {
                move(tmp, abs);
            } catch (IOException e) {
                throw cannotBeWritten(target, e);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the target itself was never touched
                }
            }
        }
    }

    /**
     * The target's folder or name is refused by the file system (read-only, no permission, a name too long, a
     * special file system): the user's path is at fault, so it is bad input naming that path, not the temporary file.
     */
    public static BadInputException cannotBeWritten(Path target, IOException e) {
        return new BadInputException(target, "cannot be written: " + reason(e), e);
    }

    private static String reason(IOException e) {
        return e instanceof java.nio.file.AccessDeniedException ? "permission denied"
                : e instanceof java.nio.file.FileAlreadyExistsException ? "a file is in the way of a folder"
                : e instanceof java.nio.file.FileSystemException fs && fs.getReason() != null ? fs.getReason()
                : e instanceof java.nio.file.NoSuchFileException ? "no such file or folder" : e.getClass().getSimpleName();
    }

    /**
     * A new empty file beside {@code target}, for a writer that renames it onto the target when done (as
     * {@link #write} does): named so that it is never longer than the target's name, with the permissions any new
     * file gets.
     */
    public static Path temporaryBeside(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        return createTemporary(abs.getParent(), abs.getFileName().toString());
    }

    /**
     * A new empty file beside the target. Not {@link Files#createTempFile}: that makes it 0600 whatever the umask, and
     * the rename would hand those permissions to the result; a plain create gets what every other file gets.
     */
    private static Path createTemporary(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            // the name is cut so that the temporary name is never longer than the target's (the dots, the random
            // part and ".tmp" add up to 19 characters; a legal 240-character name once failed on the limit of 255)
            int keep = Math.max(0, name.codePointCount(0, name.length()) - 19);
            String stem = name.substring(0, name.offsetByCodePoints(0, keep));
            Path tmp = dir.resolve("." + stem + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e;
                }
            }
        }
    }

    public static void writeBytes(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Renames {@code from} to {@code to} atomically where the file system can (a file or a whole folder). */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Deletes a folder tree if it exists (incomplete or pruned checkpoint folders, scratch runs). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
