package org.visualrft.app.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.visualrft.core.io.AtomicFile;

/**
 * Writes a run's files into the output folder, each atomically: {@code results.json}, {@code tables.txt},
 * {@code plots/*.png} and {@code report.html} (which embeds the plots, so it can be mailed on its own).
 */
public final class ReportWriter {
    private ReportWriter() {
    }

    /** Writes everything; returns the report's path. */
    public static Path write(Path outDir, DemoResults results) throws IOException {
        Files.createDirectories(outDir.resolve("plots"));
        Map<String, byte[]> pngs = new LinkedHashMap<>();
        for (Curve c : results.curves()) {
            byte[] png = ChartPainter.png(c);
            pngs.put(c.id(), png);
            AtomicFile.write(outDir.resolve("plots").resolve(c.id() + ".png"), out -> out.write(png));
        }
        StringBuilder tables = new StringBuilder();
        results.tables().forEach(t -> tables.append(TextTable.render(t)).append('\n'));
        AtomicFile.writeString(outDir.resolve("tables.txt"), tables.toString());
        AtomicFile.writeString(outDir.resolve("results.json"), ResultsJson.write(results));
        Path html = outDir.resolve("report.html");
        AtomicFile.writeString(html, HtmlReport.render(results, pngs));
        return html;
    }
}
