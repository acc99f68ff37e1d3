package org.visualrft.train.data.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes a dataset in the Hugging Face layout: {@code image} as {@code {bytes: binary, path: string}},
 * {@code problem} and {@code solution} strings, then the given extra string columns; Snappy pages, small row groups
 * (8 MB, near the 100 rows {@code datasets} uses for images) so that one image is cheap to read back. Written to a
 * temporary file and moved into place: a failed write leaves nothing.
 */
public final class ParquetDatasetWriter implements AutoCloseable {
    static final int ROW_GROUP_BYTES = 8 << 20;

    private final Path target;
    private final Path tmp;
    private final List<String> extras;
    private final SimpleGroupFactory groups;
    private final ParquetWriter<Group> writer;
    private boolean failed;

    public ParquetDatasetWriter(Path target, List<String> extraColumns) throws IOException {
        this.target = target.toAbsolutePath();
        this.extras = List.copyOf(extraColumns);
        Types.MessageTypeBuilder b = Types.buildMessage();
        b.optionalGroup()
                .optional(PrimitiveTypeName.BINARY).named("bytes")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("path")
                .named("image");
        b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("problem");
        b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("solution");
        for (String e : extras) {
            b.optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(e);
        }
        MessageType schema = b.named("schema");
        this.groups = new SimpleGroupFactory(schema);
        // not Files.createTempFile: 0600 whatever the umask, and a name 19 characters longer than the target's
        this.tmp = org.visualrft.core.io.AtomicFile.temporaryBeside(this.target);
        this.writer = ExampleParquetWriter.builder(new LocalOutputFile(tmp))
                .withConf(new PlainParquetConfiguration())
                .withCodecFactory(new PureJavaCodecs())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize((long) ROW_GROUP_BYTES)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withType(schema)
                .build();
    }

    /** One row; null values are written as nulls. {@code extra} values for columns not declared are refused. */
    public void write(byte[] imageBytes, String imagePath, String problem, String solution, Map<String, String> extra)
            throws IOException {
        Group g = groups.newGroup();
        Group img = g.addGroup("image");
        if (imageBytes != null) {
            img.add("bytes", org.apache.parquet.io.api.Binary.fromConstantByteArray(imageBytes));
        }
        if (imagePath != null) {
            img.add("path", imagePath);
        }
        if (problem != null) {
            g.add("problem", problem);
        }
        if (solution != null) {
            g.add("solution", solution);
        }
        for (Map.Entry<String, String> e : extra.entrySet()) {
            if (!extras.contains(e.getKey())) {
                throw new IllegalArgumentException("column '" + e.getKey() + "' was not declared");
            }
            if (e.getValue() != null) {
                g.add(e.getKey(), e.getValue());
            }
        }
        try {
            writer.write(g);
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    /** Marks the file as not to be kept (the caller hit an error). */
    public void abandon() {
        failed = true;
    }

    @Override
    public void close() throws IOException {
        try {
            writer.close();
        } catch (IOException | RuntimeException e) {
            failed = true;
            throw e;
        } finally {
            if (failed) {
                Files.deleteIfExists(tmp);
            }
        }
        if (!failed) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
