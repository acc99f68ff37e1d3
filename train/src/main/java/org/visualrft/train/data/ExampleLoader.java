package org.visualrft.train.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.data.JsonlDatasetReader;
import org.visualrft.core.data.Sample;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.train.data.parquet.ColumnNames;
import org.visualrft.train.data.parquet.DatasetFiles;

/**
 * Training examples from a dataset file: ViRFT-style JSON Lines ({@code image}, {@code problem}, {@code solution},
 * optional {@code task}, {@code width}/{@code height}, and a {@code thinking} column for SFT targets with a thinking
 * part). A record without {@code task} gets one from its solution: boxes with {@code Position} or {@code No Objects}
 * are detection, {@code (x1,y1),(x2,y2)} is grounding, anything else classification.
 */
public final class ExampleLoader {
    private static final java.util.regex.Pattern CORNERS = java.util.regex.Pattern.compile(
            "\\(\\s*-?\\d+\\s*,\\s*-?\\d+\\s*\\)\\s*,\\s*\\(\\s*-?\\d+\\s*,\\s*-?\\d+\\s*\\)");

    private ExampleLoader() {
    }

    /** What {@link #load(String, ColumnNames, boolean)} read: the examples and how many bad rows it skipped. */
    public record Loaded(List<TrainingExample> examples, int skippedBadRows) {
    }

    /**
     * A dataset by its {@code dataset:} value: a parquet file, folder of shards or glob ({@link ParquetExamples}),
     * else a JSON Lines file. {@code skipBadRows} skips (and counts) parquet rows with a fault instead of stopping.
     */
    public static Loaded load(String spec, ColumnNames columns, boolean skipBadRows) {
        if (DatasetFiles.isParquet(spec)) {
            return ParquetExamples.load(spec, columns, skipBadRows);
        }
        if (!columns.equals(ColumnNames.DEFAULT)) { // they would do nothing here: say so rather than ignore them
            throw new BadInputException(spec, "is JSON Lines, whose records name their fields image, problem and "
                    + "solution: the column names (image_column, problem_column, solution_column) apply to parquet "
                    + "datasets only");
        }
        return new Loaded(load(Path.of(spec)), 0);
    }

    public static List<TrainingExample> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "no such dataset file (a ViRFT-style .jsonl, a .parquet file, a folder"
                    + " of parquet shards or a glob is expected)");
        }
        List<TrainingExample> out = new ArrayList<>();
        for (Sample s : JsonlDatasetReader.read(file)) {
            out.add(of(s, file.toString()));
        }
        if (out.isEmpty()) {
            throw new BadInputException(file, "has no records");
        }
        return out;
    }

    public static TrainingExample of(Sample s, String source) {
        String where = source + " record " + s.id();
        Image image = image(s.image(), where);
        // without width and height the image is its own size: rewards that convert boxes between frames (a model
        // writing resized pixels, a dataset in original pixels) need it, as a parquet row's header gives it
        ImageSize size = s.size() != null ? s.size() : new ImageSize(image.width(), image.height());
        return new TrainingExample(s.id(), new Prompt(image, s.problem() == null ? "" : s.problem()),
                rewardSample(s.solution(), s.task(), size, s.columns(), where), s.columns().get("thinking"));
    }

    /** The reward side of a sample: its solution, its task (given or inferred), size and columns. */
    static RewardSample rewardSample(String solution, String taskName, ImageSize size, Map<String, String> columns,
            String where) {
        if (solution == null) {
            throw new BadInputException(where, "has no solution");
        }
        Task task = taskName != null ? Task.parseOrNull(taskName) : infer(solution);
        if (task == null) {
            throw new BadInputException(where, "unknown task '" + taskName
                    + "' (detection, classification, grounding)");
        }
        return new RewardSample(solution, task, size, new LinkedHashMap<String, Object>(columns));
    }

    static Task infer(String solution) {
        if (solution.contains("Position") || solution.contains("No Objects")) {
            return Task.DETECTION;
        }
        if (CORNERS.matcher(solution).find()) {
            return Task.GROUNDING;
        }
        return Task.CLASSIFICATION;
    }

    /** Decodes a record's image; a fault names the record and, for a file, the image file too. */
    static Image image(ImageRef ref, String where) {
        if (ref instanceof ImageRef.File f) {
            try {
                return Image.read(f.path());
            } catch (BadInputException e) {
                if (!f.path().toString().equals(e.source())) {
                    throw e; // not about the image (the pixel-limit setting itself, say)
                }
                throw new BadInputException(where, "image " + f.path() + ": " + e.fault(), e);
            }
        }
        return decode(((ImageRef.Bytes) ref).data(), where);
    }

    /** Decodes image bytes (a parquet row's, base64's), with the same pixel limit as files. */
    static Image decode(byte[] data, String where) {
        return Image.decode(data, where + " (image bytes)");
    }
}
