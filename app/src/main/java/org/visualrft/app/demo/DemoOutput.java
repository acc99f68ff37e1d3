package org.visualrft.app.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.visualrft.app.report.ResultsJson;
import org.visualrft.core.BadInputException;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.train.checkpoint.RunLock;

/**
 * The demo's output folder. A run is built in {@code OUT/.demo-partial/} and its files replace the previous run's only
 * when it has finished, so an interrupted or failed run leaves the previous results whole, and a rerun never leaves
 * another run's metrics or plots beside its own. A folder that holds anything but a demo's output is refused before
 * any work: the demo would otherwise write into it (and used to delete a {@code runs/} folder there).
 */
public final class DemoOutput implements AutoCloseable {
    /** Where a run is built; left behind only by a killed run, and emptied by the next one. */
    static final String STAGING = ".demo-partial";
    /** What a finished run puts into the output folder (and replaces there). */
    static final List<String> FOLDERS = List.of("plots", "metrics");
    static final List<String> FILES = List.of("tables.txt", "report.html", "results.json");

    private final Path out;
    private final Path staging;
    private final RunLock lock;

    private DemoOutput(Path out, Path staging, RunLock lock) {
        this.out = out;
        this.staging = staging;
        this.lock = lock;
    }

    /**
     * Refuses an output folder that holds something other than a previous demo's output (a {@code results.json}
     * of the demo's schema, its tables, report, plots and metrics); an absent or empty folder is fine.
     */
    public static void check(Path out) {
        if (!Files.isDirectory(out)) {
            return;
        }
        try (Stream<Path> entries = Files.list(out)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                // .DS_Store: macOS's Finder leaves one in every folder it shows
                boolean own = name.equals(STAGING) || name.equals(".DS_Store")
                        || FOLDERS.contains(name) && Files.isDirectory(p)
                        || FILES.contains(name) && Files.isRegularFile(p);
                if (!own) {
                    throw refused(out, name);
                }
            }
            Path results = out.resolve("results.json");
            if (Files.exists(results) && !isDemoResults(results)) {
                throw refused(out, "results.json (not a demo's)");
            }
        } catch (IOException e) {
            throw new BadInputException(out, "--out cannot be read: " + e.getMessage(), e);
        }
    }

    private static BadInputException refused(Path out, String what) {
        return new BadInputException(out, "--out holds files that are not a demo's output (" + what + "); choose a new "
                + "or empty folder (the demo replaces only a previous demo's report.html, results.json, tables.txt, "
                + "plots/ and metrics/)");
    }

    /** The demo writes its schema first; a look at the file's start is enough, even for a large file of another kind. */
    private static boolean isDemoResults(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            String head = new String(in.readNBytes(4096), StandardCharsets.UTF_8);
            return head.contains("\"" + ResultsJson.SCHEMA + "\"");
        }
    }

    /** Checks the folder, locks its staging folder against a second demo into it, and empties it. */
    static DemoOutput open(Path out) throws IOException {
        check(out);
        Path staging = out.resolve(STAGING);
        RunLock lock;
        try {
            lock = RunLock.acquire(staging);
        } catch (BadInputException e) {
            throw new BadInputException(out, e.fault().contains("in use")
                    ? "--out is in use by another demo run; wait for it to end, or choose another folder"
                    : "--out cannot be written: " + e.fault(), e);
        }
        try {
            emptyBesideLock(staging);
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
        return new DemoOutput(out, staging, lock);
    }

    private static void emptyBesideLock(Path staging) throws IOException {
        try (Stream<Path> entries = Files.list(staging)) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().equals(RunLock.FILE)) {
                    AtomicFile.deleteTree(p);
                }
            }
        }
    }

    /** The folder the run writes into. */
    Path staging() {
        return staging;
    }

    /** Replaces the previous run's files in the output folder with this run's (results.json last). */
    void publish() throws IOException {
        for (String name : FOLDERS) {
            AtomicFile.deleteTree(out.resolve(name));
            if (Files.exists(staging.resolve(name))) {
                AtomicFile.move(staging.resolve(name), out.resolve(name));
            }
        }
        for (String name : FILES) {
            if (Files.exists(staging.resolve(name))) {
                AtomicFile.move(staging.resolve(name), out.resolve(name));
            } else {
                Files.deleteIfExists(out.resolve(name));
            }
        }
    }

    /** Releases the lock and removes the staging folder (after a failure too; a killed run leaves it to the next). */
    @Override
    public void close() throws IOException {
        try {
            emptyBesideLock(staging); // under the lock: another demo into this folder waits for nothing of ours
        } catch (IOException e) {
            // best effort: a worker thread of a failed run may still be writing; the next run empties it
        } finally {
            lock.close();
        }
        try {
            Files.deleteIfExists(staging.resolve(RunLock.FILE));
            Files.deleteIfExists(staging);
        } catch (IOException e) {
            // another demo took the folder over in the meantime: it is its staging now
        }
    }
}
