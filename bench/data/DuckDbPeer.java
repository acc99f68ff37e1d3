import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Locale;
import java.util.Properties;

/**
 * The peer of ParquetBench's row stream: DuckDB's JDBC driver (not a project dependency: run.sh puts the jar on the
 * class path when the local Maven repository has it) reading every row's image bytes, path, problem and solution,
 * results streamed. Prints one row in ParquetBench's table format.
 * Usage: java -cp duckdb_jdbc.jar DuckDbPeer.java FILE
 */
public class DuckDbPeer {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long rows = 0;
        Properties p = new Properties();
        p.setProperty("jdbc_stream_results", "true");
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:", p);
             PreparedStatement q = c.prepareStatement(
                     "SELECT image.bytes, image.path, problem, solution FROM read_parquet(?)")) {
            q.setString(1, file.toString());
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    rs.getBytes(1);
                    rs.getString(2);
                    rs.getString(3);
                    rs.getString(4);
                    rows++;
                }
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - c0) / 1e9;
        System.out.printf(Locale.ROOT, "| peer: DuckDB JDBC row stream (driver start included) | %d | %.2f | %.0f | %.0f"
                + " | %.2f | %.0f |%n", rows, s, rows / s, Files.size(file) / s / 1e6, cpu, rows / cpu);
    }
}
