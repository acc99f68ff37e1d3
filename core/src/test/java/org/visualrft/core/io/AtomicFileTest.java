package org.visualrft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;

class AtomicFileTest {
    @TempDir
    Path dir;

    private long filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void replacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("sub").resolve("a.json");
        AtomicFile.writeString(f, "one");
        AtomicFile.writeString(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(1, filesIn(f.getParent()));
    }

    @Test
    void aFailingWriterLeavesTheOldContentAndNoTemporaryFile() throws IOException {
        Path f = dir.resolve("a.json");
        AtomicFile.writeString(f, "old");
        assertThrows(IllegalStateException.class, () -> AtomicFile.write(f, out -> {
            out.write("half".getBytes());
            throw new IllegalStateException("bad input half-way");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(1, filesIn(dir));
    }

    @Test
    void aWriterThatClosesTheStreamStillCommits() throws IOException {
        Path f = dir.resolve("a.json");
        AtomicFile.write(f, out -> {
            out.write("closed early".getBytes());
            out.close(); // as JSON generators do
        });
        assertEquals("closed early", Files.readString(f));
    }

    /** The temporary name adds ~17 characters: a legal name of 240 failed with "File name too long" on it. */
    @Test
    void aNameNearTheFileSystemLimitIsWritten() throws IOException {
        Path f = dir.resolve("a".repeat(240) + ".json");
        AtomicFile.writeString(f, "long");
        assertEquals("long", Files.readString(f));
        assertEquals(1, filesIn(dir));
    }

    /**
     * A target that cannot be created (here a name no file system takes; also a read-only folder, /proc) is the
     * user's path at fault: bad input naming the target, not an I/O failure naming the hidden temporary file.
     */
    @Test
    void aTargetThatCannotBeCreatedIsBadInputNamingIt() throws IOException {
        Path f = dir.resolve("b".repeat(300) + ".json");
        BadInputException e = assertThrows(BadInputException.class, () -> AtomicFile.writeString(f, "x"));
        assertEquals(f.toString(), e.source());
        assertTrue(e.fault().startsWith("cannot be written: "), e.fault());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
        assertEquals(0, filesIn(dir), "no temporary file left behind");
        Path file = dir.resolve("file");
        AtomicFile.writeString(file, "x");
        e = assertThrows(BadInputException.class, () -> AtomicFile.writeString(file.resolve("sub/a.json"), "x"));
        assertTrue(e.fault().startsWith("cannot be written: " + file), e.fault()); // the folder on the way
    }

    @Test
    void movesAndDeletesFolders() throws IOException {
        Path tmp = dir.resolve("ckpt.tmp");
        AtomicFile.writeString(tmp.resolve("x").resolve("y.txt"), "y");
        Path done = dir.resolve("ckpt");
        AtomicFile.move(tmp, done);
        assertEquals("y", Files.readString(done.resolve("x").resolve("y.txt")));
        AtomicFile.deleteTree(done);
        assertFalse(Files.exists(done));
        AtomicFile.deleteTree(done); // absent: no error
    }
}
