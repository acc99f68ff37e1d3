package org.visualrft.train.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.train.data.parquet.ColumnNames;
import org.visualrft.train.data.parquet.DatasetFiles;
import org.visualrft.train.data.parquet.ParquetRows;

/**
 * Training examples from Hugging Face parquet shards, streamed: one pass reads every row group in turn, keeps each
 * row's text and where its image is (file, row group, index), and checks the image's header (format and size)
 * without decoding its pixels; the image bytes are read again and decoded when a step asks for the prompt. So memory
 * holds the text of the dataset, not its images. Row faults (null solution or problem, no image, an image that is not
 * one, an image path that does not exist) name the file and row; with {@code skip_bad_rows} they are skipped and
 * counted instead.
 */
final class ParquetExamples {
    private ParquetExamples() {
    }

    static ExampleLoader.Loaded load(String spec, ColumnNames columns, boolean skipBadRows) {
        List<TrainingExample> out = new ArrayList<>();
        int[] skipped = {0};
        for (Path file : DatasetFiles.resolve(spec)) {
            Path base = file.toAbsolutePath().getParent();
            ParquetRows.forEach(file, columns, true, row -> {
                try {
                    out.add(example(row, base, columns));
                } catch (BadInputException e) {
                    if (!skipBadRows) {
                        throw e;
                    }
                    skipped[0]++;
                }
            });
        }
        if (out.isEmpty()) {
            throw new BadInputException(spec, skipped[0] > 0 ? "every row was bad (" + skipped[0] + " skipped)"
                    : "has no rows");
        }
        return new ExampleLoader.Loaded(out, skipped[0]);
    }

    private static TrainingExample example(ParquetRows.Row row, Path base, ColumnNames columns) {
        String where = row.file() + " row " + row.row();
        if (row.solution() == null) {
            throw new BadInputException(row.file(), "row " + row.row() + ": " + columns.solution() + " is null");
        }
        if (row.problem() == null) {
            throw new BadInputException(row.file(), "row " + row.row() + ": " + columns.problem() + " is null");
        }
        Map<String, String> cols = row.columns();
        String id = cols.getOrDefault("id", row.file().getFileName() + ":" + row.row());
        ImageSize size;
        java.util.function.Supplier<Image> image;
        if (row.imageBytes() != null) {
            size = header(row.imageBytes(), row.file(), row.row());
            Path file = row.file();
            int group = row.rowGroup();
            int index = row.indexInGroup();
            long n = row.row();
            image = () -> ExampleLoader.decode(ParquetRows.imageBytes(file, columns, group, index, n), where);
        } else if (row.imagePath() != null) {
            Path p = base.resolve(row.imagePath());
            if (!Files.isRegularFile(p)) {
                throw new BadInputException(row.file(), "row " + row.row() + ": image file not found: " + p);
            }
            size = fileHeader(p, row.file(), row.row());
            image = () -> ExampleLoader.image(ImageRef.file(p), where);
        } else {
            throw new BadInputException(row.file(), "row " + row.row() + ": " + columns.image()
                    + " is null (neither bytes nor a path)");
        }
        String problem = row.problem();
        return TrainingExample.lazy(id, () -> new Prompt(image.get(), problem),
                ExampleLoader.rewardSample(row.solution(), cols.get("task"), size, cols, where), cols.get("thinking"));
    }

    /** The width and height from the image's header; a fault when no reader knows the format or the header is bad. */
    static ImageSize header(byte[] data, Path file, long row) {
        // in memory: ImageIO.createImageInputStream would spill the bytes to a temporary file first
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            return header(in, file, row, "image bytes are not an image this JVM can decode (" + data.length
                    + " bytes)");
        } catch (IOException e) {
            throw new BadInputException(file, "row " + row + ": corrupt image (" + e.getMessage() + ")", e);
        }
    }

    /** The same for an image file a row names (only its header is read). */
    static ImageSize fileHeader(Path image, Path file, long row) {
        try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
            return header(in, file, row, "image file " + image + " is not an image this JVM can decode");
        } catch (IOException e) {
            throw new BadInputException(file, "row " + row + ": image file " + image + ": " + e.getMessage(), e);
        }
    }

    private static ImageSize header(ImageInputStream in, Path file, long row, String unknownFormat) {
        try {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator()
                    : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadInputException(file, "row " + row + ": " + unknownFormat);
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                int w = r.getWidth(0);
                int h = r.getHeight(0);
                if (w <= 0 || h <= 0) {
                    throw new BadInputException(file, "row " + row + ": image is " + w + " x " + h);
                }
                return new ImageSize(w, h);
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException b) {
                throw b;
            }
            throw new BadInputException(file, "row " + row + ": corrupt image (" + e.getMessage() + ")", e);
        }
    }
}
