package org.visualrft.core;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the oracle tests find their cases: the folder the system property {@code vrft.fixtures} names (the project's
 * own {@code fixtures/} by default, or another copy of that layout, e.g. CI's {@code ../shared/fixtures}).
 */
public final class OracleFixtures {
    private static final Path OWN = Path.of("../fixtures");

    private OracleFixtures() {
    }

    public static Path root() {
        return Path.of(System.getProperty("vrft.fixtures", OWN.toString()));
    }

    /**
     * The folder of one family of cases. Another copy of the fixtures may predate the family: then the calling test
     * is skipped, saying so (there is nothing to check there). The project's own copy must have it: a missing folder
     * there is returned as is, and the test fails on it.
     */
    public static Path family(String name) {
        Path dir = root().resolve(name);
        boolean own = root().toAbsolutePath().normalize().equals(OWN.toAbsolutePath().normalize());
        if (!own && !Files.isDirectory(dir)) {
            Assumptions.abort("no " + name + "/ cases in " + dir.toAbsolutePath());
        }
        return dir;
    }
}
