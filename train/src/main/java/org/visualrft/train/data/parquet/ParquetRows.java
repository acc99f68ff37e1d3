package org.visualrft.train.data.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.visualrft.core.BadInputException;

/**
 * Streams the rows of one parquet file, one row group in memory at a time, with the columns checked and mapped by
 * name: the image ({@code {bytes, path}} struct as {@code datasets} writes it, raw bytes, or a path string), the
 * problem and solution text, and every other scalar column as text. Rows are numbered from 0 within the file, as
 * {@code datasets} numbers them; every fault names the file (and the row).
 */
public final class ParquetRows {
    /** One row; {@code imageBytes} and {@code imagePath} may both be null (a row with no image). */
    public record Row(Path file, long row, int rowGroup, int indexInGroup, byte[] imageBytes, String imagePath,
            String problem, String solution, Map<String, String> columns) {
    }

    /** What a row visitor does with each row. */
    @FunctionalInterface
    public interface Visitor {
        void row(Row row);
    }

    private ParquetRows() {
    }

    static ParquetReadOptions options() {
        return ParquetReadOptions.builder(new PlainParquetConfiguration()).withCodecFactory(new PureJavaCodecs())
                .build();
    }

    static ParquetFileReader open(Path file) {
        try {
            return ParquetFileReader.open(new LocalInputFile(file), options());
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file, "not a readable parquet file (truncated or corrupt?): " + message(e),
                    e);
        }
    }

    /** Every row of {@code file} in order. {@code withImages} false skips reading the image bytes (paths stay). */
    public static void forEach(Path file, ColumnNames names, boolean withImages, Visitor visitor) {
        try (ParquetFileReader reader = open(file)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            Layout layout = Layout.of(file, schema, names);
            MessageType projection = withImages ? schema : layout.withoutImageBytes(schema);
            reader.setRequestedSchema(projection);
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(projection, schema);
            long row = 0;
            for (int g = 0; ; g++) {
                PageReadStore pages = readRowGroup(reader, file, g, row);
                if (pages == null) {
                    break;
                }
                RecordReader<Group> records = io.getRecordReader(pages, new GroupRecordConverter(projection));
                for (int i = 0; i < pages.getRowCount(); i++, row++) {
                    Group rec = read(records, file, row);
                    visitor.row(layout.row(file, row, g, i, rec));
                }
            }
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * The image bytes of one row (null when the row has none): its row group's image column is read and the group's
     * images kept (softly, the last two groups), so rows read in order — an evaluation set — cost one read per group.
     */
    public static byte[] imageBytes(Path file, ColumnNames names, int rowGroup, int indexInGroup, long row) {
        GroupKey key;
        try {
            key = new GroupKey(file.toAbsolutePath().normalize(), java.nio.file.Files.size(file),
                    java.nio.file.Files.getLastModifiedTime(file).toMillis(), names.image(), rowGroup);
        } catch (IOException e) {
            throw new BadInputException(file, "row " + row + ": cannot read the file any more: " + e.getMessage(), e);
        }
        java.lang.ref.SoftReference<byte[][]> ref;
        synchronized (RECENT_GROUPS) {
            ref = RECENT_GROUPS.get(key);
        }
        byte[][] images = ref == null ? null : ref.get();
        if (images == null) {
            images = readImages(file, names, rowGroup, row);
            synchronized (RECENT_GROUPS) {
                RECENT_GROUPS.put(key, new java.lang.ref.SoftReference<>(images));
            }
        }
        if (indexInGroup >= images.length) {
            throw new BadInputException(file, "row " + row + ": not in row group " + rowGroup + " (the file changed"
                    + " since it was loaded?)");
        }
        return images[indexInGroup];
    }

    /** A row group of a file as it is now (size and modification time: a rewritten file is read again). */
    private record GroupKey(Path file, long size, long modified, String column, int rowGroup) {
    }

    private static final Map<GroupKey, java.lang.ref.SoftReference<byte[][]>> RECENT_GROUPS =
            new LinkedHashMap<>(4, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<GroupKey, java.lang.ref.SoftReference<byte[][]>> e) {
                    return size() > 2;
                }
            };

    private static byte[][] readImages(Path file, ColumnNames names, int rowGroup, long row) {
        try (ParquetFileReader reader = open(file)) {
            MessageType schema = reader.getFooter().getFileMetaData().getSchema();
            Layout layout = Layout.of(file, schema, names);
            MessageType projection = new MessageType(schema.getName(), schema.getType(names.image()));
            reader.setRequestedSchema(projection);
            PageReadStore pages;
            try {
                pages = reader.readRowGroup(rowGroup);
            } catch (IOException | RuntimeException e) {
                throw new BadInputException(file, "row " + row + ": cannot read its row group: " + message(e), e);
            }
            if (pages == null) {
                throw new BadInputException(file, "row " + row + ": row group " + rowGroup + " does not exist (the"
                        + " file changed since it was loaded?)");
            }
            RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection, schema)
                    .getRecordReader(pages, new GroupRecordConverter(projection));
            byte[][] images = new byte[(int) pages.getRowCount()][];
            for (int i = 0; i < images.length; i++) {
                images[i] = layout.imageBytes(read(records, file, row));
            }
            return images;
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static PageReadStore readRowGroup(ParquetFileReader reader, Path file, int g, long row) {
        try {
            return reader.readNextRowGroup();
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file, "row group " + g + " (from row " + row + ") is unreadable (truncated or"
                    + " corrupt?): " + message(e), e);
        }
    }

    private static Group read(RecordReader<Group> records, Path file, long row) {
        try {
            return records.read();
        } catch (RuntimeException e) {
            throw new BadInputException(file, "row " + row + ": unreadable (corrupt page?): " + message(e), e);
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        // parquet-java names the file by the input object's identity (org.apache.parquet.io.LocalInputFile@7ff95560);
        // the message already starts with the file's path
        return m == null ? e.getClass().getSimpleName()
                : m.lines().findFirst().orElse(m).replaceAll("[\\w.$]+InputFile@[0-9a-f]+", "the file");
    }

    /** Where the mapped columns are in a file's schema, checked once per file. */
    private record Layout(String image, boolean imageIsStruct, boolean imageIsPath, String problem, String solution,
            List<String> extras) {
        static Layout of(Path file, MessageType schema, ColumnNames names) {
            Type img = column(file, schema, names.image(), "image_column");
            boolean struct = !img.isPrimitive();
            boolean path = false;
            if (struct) {
                GroupType g = img.asGroupType();
                boolean hasBytes = g.containsField("bytes") && isBinary(g.getType("bytes"));
                boolean hasPath = g.containsField("path") && isBinary(g.getType("path"));
                if (!hasBytes && !hasPath) {
                    throw new BadInputException(file, "column '" + names.image() + "' is a struct without binary"
                            + " 'bytes' or string 'path' fields (found " + g.getFields().stream().map(Type::getName)
                            .toList() + "); an image column is {bytes, path}, raw bytes or a path string");
                }
            } else if (!isBinary(img)) {
                throw new BadInputException(file, "column '" + names.image() + "' is "
                        + img.asPrimitiveType().getPrimitiveTypeName() + "; an image column is {bytes, path}, raw"
                        + " bytes or a path string");
            } else {
                path = isString(img);
            }
            text(file, schema, names.problem(), "problem_column");
            text(file, schema, names.solution(), "solution_column");
            List<String> extras = new ArrayList<>();
            for (Type t : schema.getFields()) {
                String n = t.getName();
                if (t.isPrimitive() && !t.isRepetition(Type.Repetition.REPEATED) && !n.equals(names.image())
                        && !n.equals(names.problem()) && !n.equals(names.solution())
                        && (isString(t) || !isBinary(t))) {
                    extras.add(n);
                }
            }
            return new Layout(names.image(), struct, path, names.problem(), names.solution(), List.copyOf(extras));
        }

        MessageType withoutImageBytes(MessageType schema) {
            List<Type> keep = new ArrayList<>();
            for (Type t : schema.getFields()) {
                if (!t.getName().equals(image)) {
                    keep.add(t);
                } else if (imageIsStruct && t.asGroupType().containsField("path")) {
                    keep.add(t.asGroupType().withNewFields(t.asGroupType().getType("path")));
                } else if (imageIsPath) {
                    keep.add(t);
                }
            }
            return new MessageType(schema.getName(), keep);
        }

        Row row(Path file, long row, int group, int index, Group rec) {
            byte[] bytes = null;
            String path = null;
            if (has(rec, image)) {
                if (imageIsStruct) {
                    Group g = rec.getGroup(image, 0);
                    bytes = has(g, "bytes") ? g.getBinary("bytes", 0).getBytes() : null;
                    path = has(g, "path") ? g.getString("path", 0) : null;
                } else if (imageIsPath) {
                    path = rec.getString(image, 0);
                } else {
                    bytes = rec.getBinary(image, 0).getBytes();
                }
            }
            Map<String, String> cols = new LinkedHashMap<>();
            for (String e : extras) {
                if (has(rec, e)) {
                    cols.put(e, rec.getValueToString(rec.getType().getFieldIndex(e), 0));
                }
            }
            return new Row(file, row, group, index, bytes, path, string(rec, problem), string(rec, solution), cols);
        }

        byte[] imageBytes(Group rec) {
            if (!has(rec, image)) {
                return null;
            }
            if (imageIsStruct) {
                Group g = rec.getGroup(image, 0);
                return has(g, "bytes") ? g.getBinary("bytes", 0).getBytes() : null;
            }
            return imageIsPath ? null : rec.getBinary(image, 0).getBytes();
        }

        private static boolean has(Group g, String field) {
            return g.getType().containsField(field) && g.getFieldRepetitionCount(field) > 0;
        }

        private static String string(Group g, String field) {
            return has(g, field) ? g.getString(field, 0) : null;
        }

        private static Type column(Path file, MessageType schema, String name, String key) {
            if (!schema.containsField(name)) {
                throw new BadInputException(file, "no column '" + name + "' (columns: " + String.join(", ",
                        schema.getFields().stream().map(Type::getName).toList()) + "); name the right one with "
                        + key);
            }
            Type t = schema.getType(name);
            if (t.isRepetition(Type.Repetition.REPEATED)) {
                throw new BadInputException(file, "column '" + name + "' is a list; one value per row is expected");
            }
            return t;
        }

        private static void text(Path file, MessageType schema, String name, String key) {
            Type t = column(file, schema, name, key);
            if (!t.isPrimitive() || !isBinary(t)) {
                throw new BadInputException(file, "column '" + name + "' is " + (t.isPrimitive()
                        ? t.asPrimitiveType().getPrimitiveTypeName() : "a struct") + "; a string column is expected");
            }
        }

        private static boolean isBinary(Type t) {
            return t.isPrimitive() && t.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY;
        }

        private static boolean isString(Type t) {
            return isBinary(t) && t.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation;
        }
    }
}
