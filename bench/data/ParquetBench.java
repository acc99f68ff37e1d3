import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.visualrft.train.data.ExampleLoader;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.data.parquet.ColumnNames;
import org.visualrft.train.data.parquet.ParquetDatasetWriter;
import org.visualrft.train.data.parquet.ParquetRows;

/**
 * Reading a Hugging Face layout parquet dataset with images: (1) the raw row stream, image bytes included;
 * (2) the training load pass (rows + image header checks, text kept, images not); (3) one prompt on demand (its row
 * group's image column read again, the image decoded). Generates FILE (~SIZE_MB of unique JPEGs) when it is missing.
 * Usage: java -cp ... ParquetBench.java FILE [SIZE_MB] [ON_DEMAND_SAMPLES]
 */
public class ParquetBench {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        long sizeMb = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        if (!Files.exists(file)) {
            generate(file, sizeMb << 20);
        }
        double gb = Files.size(file) / 1e9;
        System.out.printf(Locale.ROOT, "file %s, %.2f GB%n", file, gb);
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long c0 = os.getProcessCpuTime();
        long[] rows = {0};
        long[] bytes = {0};
        long t0 = System.nanoTime();
        ParquetRows.forEach(file, ColumnNames.DEFAULT, true, r -> {
            rows[0]++;
            bytes[0] += r.imageBytes() == null ? 0 : r.imageBytes().length;
        });
        double s1 = (System.nanoTime() - t0) / 1e9;
        double cpu1 = (os.getProcessCpuTime() - c0) / 1e9;
        c0 = os.getProcessCpuTime();
        t0 = System.nanoTime();
        List<TrainingExample> ex = ExampleLoader.load(file.toString(), ColumnNames.DEFAULT, false).examples();
        double s2 = (System.nanoTime() - t0) / 1e9;
        double cpu2 = (os.getProcessCpuTime() - c0) / 1e9;
        c0 = os.getProcessCpuTime();
        SplittableRandom rnd = new SplittableRandom(1);
        t0 = System.nanoTime();
        long px = 0;
        for (int i = 0; i < samples; i++) {
            px += ex.get(rnd.nextInt(ex.size())).prompt().image().pixels().length;
        }
        double s3 = (System.nanoTime() - t0) / 1e9;
        double cpu3 = (os.getProcessCpuTime() - c0) / 1e9;
        System.out.printf(Locale.ROOT, "| what | rows | wall s | rows/s | MB/s | CPU s | rows per CPU-s |%n"
                + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |%n");
        System.out.printf(Locale.ROOT, "| row stream, image bytes included | %d | %.2f | %.0f | %.0f | %.2f | %.0f |%n",
                rows[0], s1, rows[0] / s1, Files.size(file) / s1 / 1e6, cpu1, rows[0] / cpu1);
        System.out.printf(Locale.ROOT, "| training load pass (header checks) | %d | %.2f | %.0f | %.0f | %.2f | %.0f |%n",
                ex.size(), s2, ex.size() / s2, Files.size(file) / s2 / 1e6, cpu2, ex.size() / cpu2);
        System.out.printf(Locale.ROOT, "| prompt on demand (random rows, decode) | %d | %.2f | %.1f | %.1f ms each |"
                + " %.2f | %.1f |%n", samples, s3, samples / s3, 1000 * s3 / samples, cpu3, samples / cpu3);
        System.out.println("heap used after load: " + (Runtime.getRuntime().totalMemory()
                - Runtime.getRuntime().freeMemory()) / (1 << 20) + " MB; pixels " + px);
    }

    /** Unique JPEGs (64 noise images, each row's bytes made unique by a tail after the end marker). */
    static void generate(Path file, long target) throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        byte[][] base = new byte[64][];
        for (int k = 0; k < base.length; k++) {
            BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 240; y++) {
                for (int x = 0; x < 320; x++) {
                    img.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            ImageIO.write(img, "jpg", b);
            base[k] = b.toByteArray();
        }
        long total = 0;
        try (ParquetDatasetWriter w = new ParquetDatasetWriter(file, List.of())) {
            for (int n = 0; total < target; n++) {
                byte[] img = java.util.Arrays.copyOf(base[n % base.length], base[n % base.length].length + 8);
                for (int i = 0; i < 8; i++) {
                    img[img.length - 8 + i] = (byte) (n >>> (8 * (i % 4)));
                }
                w.write(img, "img_" + n + ".jpg", "Detect all objects belonging to the category 'dog' in the image."
                        + " Output the thinking process in <think> </think> and final answer in <answer> </answer>"
                        + " tags.", "<answer>[{'Position': [" + (n % 500) + ", 100, 600, 700], 'Confidence': 1}]"
                        + "</answer>", Map.of());
                total += img.length;
            }
        }
    }
}
