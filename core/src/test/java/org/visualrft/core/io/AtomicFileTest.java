package org.visualrft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
