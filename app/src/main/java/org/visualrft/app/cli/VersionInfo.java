package org.visualrft.app.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** Version strings for {@code --version}; read from the build's resource, so no native code loads. */
public final class VersionInfo implements CommandLine.IVersionProvider {
    /** The project version as Maven built it. */
    public static String projectVersion() {
        Properties p = new Properties();
        try (InputStream in = VersionInfo.class.getResourceAsStream("/visual-rft-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // fall through to "unknown"
        }
        return p.getProperty("version", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "visual-rft " + projectVersion(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
            "engine: Bytedeco PyTorch presets 2.10.0-1.5.13 (libtorch, CPU)"
        };
    }
}
