package org.visualrft.train.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.visualrft.core.BadInputException;

/**
 * One training run per output folder: an exclusive lock on {@code <output_dir>/.visual-rft.lock}, held for the whole
 * run. A second run into the same folder (another process or this one) is refused at once instead of interleaving
 * checkpoints and metrics. The operating system releases the lock when the process dies, so a killed run never
 * leaves a stale lock; the empty file stays.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = ".visual-rft.lock";
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates {@code outputDir} if needed and locks it; a folder in use is a {@link BadInputException}. */
    public static RunLock acquire(Path outputDir) throws IOException {
        Path file = outputDir.resolve(FILE);
        FileChannel ch;
        try {
            Files.createDirectories(outputDir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (FileSystemException e) { // read-only, no permission, a name too long, ...: the user's path
            String reason = e instanceof AccessDeniedException ? "permission denied"
                    : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
            throw new BadInputException(outputDir, "output_dir cannot be written (" + reason + ")", e);
        }
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // held by this very process
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (l == null) {
            ch.close();
            throw new BadInputException(outputDir, "output_dir is in use by another training run (it holds " + FILE
                    + "); wait for that run to end, or choose another output_dir");
        }
        return new RunLock(ch, l);
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
