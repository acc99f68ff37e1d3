package org.visualrft.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code visual-rft} launcher's first words on a machine without a usable Java: one line naming what is needed,
 * exit 2, before any build. Runs the script with a PATH that holds only the few tools it needs up to that check (no
 * java, no mvn), so a launcher that skipped the check could not start a build either.
 */
class LauncherTest {
    static final Path LAUNCHER = Path.of("..", "visual-rft");

    record Result(int code, String err) {
    }

    static Result launch(Path bin, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("bash").toString(), LAUNCHER.toString(), "--version");
        pb.environment().clear();
        pb.environment().put("PATH", bin.toString());
        pb.environment().put("HOME", bin.toString());
        pb.environment().putAll(env);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), err);
    }

    /** A folder with links to the tools the launcher runs before its Java check, and nothing else. */
    static Path tools(Path dir) throws Exception {
        String os = System.getProperty("os.name").toLowerCase();
        assumeTrue((os.contains("linux") || os.contains("mac")) && Files.isRegularFile(LAUNCHER), "a bash launcher");
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : new String[] {"bash", "uname", "dirname", "readlink"}) {
            Optional<Path> found = Stream.of(System.getenv("PATH").split(File.pathSeparator))
                    .map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst();
            assumeTrue(found.isPresent(), tool + " on the PATH");
            Files.createSymbolicLink(bin.resolve(tool), found.get().toRealPath());
        }
        return bin;
    }

    @Test
    void noJavaIsOneLineAndExit2(@TempDir Path dir) throws Exception {
        Result r = launch(tools(dir), Map.of());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("Java 17 or newer is needed: no java on the PATH"), r.err());
    }

    @Test
    void anOldJavaIsNamedWithItsVersion(@TempDir Path dir) throws Exception {
        Path bin = tools(dir);
        Path jdk = Files.createDirectories(dir.resolve("jdk-11").resolve("bin"));
        Path java = Files.writeString(jdk.resolve("java"), "#!/bin/sh\necho 'openjdk 11'\n");
        assertTrue(java.toFile().setExecutable(true));
        Files.writeString(jdk.getParent().resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"11.0.2\"\n");
        Result r = launch(bin, Map.of("JAVA_HOME", jdk.getParent().toString()));
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("Java 17 or newer is needed, but") && r.err().contains("is Java 11.0.2"), r.err());
    }
}
