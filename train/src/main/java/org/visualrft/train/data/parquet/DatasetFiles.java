package org.visualrft.train.data.parquet;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.visualrft.core.BadInputException;

/**
 * Which parquet files a {@code dataset:} value names: one file, a folder (every {@code *.parquet} below it, as the
 * Hugging Face hub lays out shards: {@code data/train-00000-of-00004.parquet}, ...), or a glob
 * ({@code data/train-*.parquet}). Always in path order, so a dataset's row numbering is stable.
 */
public final class DatasetFiles {
    private DatasetFiles() {
    }

    /** Whether {@code spec} is a parquet dataset (rather than a JSON Lines file). */
    public static boolean isParquet(String spec) {
        if (isGlob(spec)) {
            return spec.endsWith(".parquet");
        }
        Path p = Path.of(spec);
        return spec.endsWith(".parquet") || Files.isDirectory(p);
    }

    public static List<Path> resolve(String spec) {
        List<Path> out = new ArrayList<>();
        if (isGlob(spec)) {
            int firstMeta = firstGlobChar(spec);
            int slash = spec.lastIndexOf('/', firstMeta);
            Path base = slash < 0 ? Path.of(".") : Path.of(spec.substring(0, slash + 1));
            String pattern = slash < 0 ? spec : spec.substring(slash + 1);
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
            if (!Files.isDirectory(base)) {
                throw new BadInputException(spec, "no such folder: " + base);
            }
            walk(base, p -> m.matches(base.relativize(p)), out, spec);
            if (out.isEmpty()) {
                throw new BadInputException(spec, "matches no file");
            }
        } else if (Files.isDirectory(Path.of(spec))) {
            walk(Path.of(spec), p -> p.getFileName().toString().endsWith(".parquet"), out, spec);
            if (out.isEmpty()) {
                throw new BadInputException(spec, "holds no .parquet file");
            }
        } else {
            Path p = Path.of(spec);
            if (!Files.isRegularFile(p)) {
                throw new BadInputException(spec, "no such dataset file");
            }
            out.add(p);
        }
        return out;
    }

    private static void walk(Path base, java.util.function.Predicate<Path> keep, List<Path> out, String spec) {
        try (Stream<Path> s = Files.walk(base)) {
            s.filter(Files::isRegularFile).filter(keep).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new BadInputException(spec, "cannot list: " + e.getMessage(), e);
        }
    }

    private static boolean isGlob(String spec) {
        return firstGlobChar(spec) >= 0;
    }

    private static int firstGlobChar(String spec) {
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return i;
            }
        }
        return -1;
    }
}
