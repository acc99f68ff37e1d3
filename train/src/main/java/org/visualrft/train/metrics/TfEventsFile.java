package org.visualrft.train.metrics;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A TensorBoard event file: a run of TFRecords (payload length as 8 little-endian bytes, its masked CRC-32C, the
 * payload, the payload's masked CRC-32C), each payload one {@code tensorboard.Event} proto (event.proto:
 * {@code wall_time = 1} double, {@code step = 2} int64, and one of {@code file_version = 3}, {@code summary = 5},
 * {@code session_log = 7}; summary.proto: {@code Summary.value = 1}, {@code Value.tag = 1},
 * {@code Value.simple_value = 2} float, {@code Value.tensor = 8}, {@code Value.metadata = 9}; tensor.proto:
 * {@code dtype = 1}, {@code tensor_shape = 2}, {@code string_val = 8}). Fields go out in field-number order, and as
 * proto3 encoders do, {@code wall_time} and {@code step} are left out when
 * 0; the members of a oneof ({@code file_version}, {@code summary}, {@code session_log}, {@code simple_value}) are
 * written whenever set, 0.0 included. Checked byte for byte against protobufjs ({@code fixtures/tensorboard}).
 */
public final class TfEventsFile implements AutoCloseable {
    /** What TensorFlow's and PyTorch's writers put first; the loader reads the format version from it. */
    public static final String FILE_VERSION = "brain.Event:2";
    private static final int SESSION_START = 1;
    private static final int DT_STRING = 7;

    /** One named value of a step ({@code Summary.Value} with a {@code simple_value}: a float32). */
    public record Scalar(String tag, double value) {
    }

    private final OutputStream out;

    private TfEventsFile(OutputStream out) {
        this.out = out;
    }

    /** Creates {@code file}, which must not exist yet. */
    public static TfEventsFile create(Path file) throws IOException {
        return new TfEventsFile(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)));
    }

    /** The first event of a file: its format version, at step 0. */
    public void fileVersion(double wallTime) throws IOException {
        write(event(wallTime, 0).string(3, FILE_VERSION));
    }

    /**
     * A session (re)start at {@code step}: TensorBoard's loader drops the points at this step and later that earlier
     * files of the run hold (what a process killed after its last checkpoint had logged).
     */
    public void sessionStart(double wallTime, long step) throws IOException {
        write(event(wallTime, step).message(7, new ProtoWriter().varint(1, SESSION_START)));
    }

    /** The values of one step, each rounded to float32 as {@code simple_value} holds it. */
    public void scalars(double wallTime, long step, List<Scalar> values) throws IOException {
        ProtoWriter summary = new ProtoWriter();
        for (Scalar s : values) {
            summary.message(1, new ProtoWriter().string(1, s.tag()).fixed32(2, (float) s.value()));
        }
        write(event(wallTime, step).message(5, summary));
    }

    /**
     * A markdown text at {@code step} under {@code tag}, as TensorBoard's text plugin reads it: a rank-1 string tensor
     * (DT_STRING, one element) with plugin data naming {@code text}; a markdown table shows as a table.
     */
    public void text(double wallTime, long step, String tag, String markdown) throws IOException {
        ProtoWriter shape = new ProtoWriter().message(2, new ProtoWriter().varint(1, 1)); // dim { size: 1 }
        ProtoWriter tensor = new ProtoWriter().varint(1, DT_STRING).message(2, shape)
                .string(8, markdown);
        ProtoWriter metadata = new ProtoWriter().message(1, new ProtoWriter().string(1, "text"));
        ProtoWriter value = new ProtoWriter().string(1, tag).message(8, tensor).message(9, metadata);
        write(event(wallTime, step).message(5, new ProtoWriter().message(1, value)));
    }

    /** Pushes what was written to the file, so that a TensorBoard reading it now sees every event so far. */
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private static ProtoWriter event(double wallTime, long step) {
        ProtoWriter e = new ProtoWriter();
        if (wallTime != 0) {
            e.fixed64(1, wallTime);
        }
        if (step != 0) {
            e.varint(2, step);
        }
        return e;
    }

    private void write(ProtoWriter event) throws IOException {
        byte[] data = event.toByteArray();
        byte[] length = new byte[8];
        for (int i = 0; i < 8; i++) {
            length[i] = (byte) ((long) data.length >>> (8 * i));
        }
        out.write(length);
        littleEndian(maskedCrc(length));
        out.write(data);
        littleEndian(maskedCrc(data));
    }

    private void littleEndian(int v) throws IOException {
        for (int i = 0; i < 4; i++) {
            out.write(v >>> (8 * i));
        }
    }

    /** TFRecord's mask of a CRC-32C: rotated right by 15 bits, plus 0xa282ead8. */
    static int maskedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int c = (int) crc.getValue();
        return ((c >>> 15) | (c << 17)) + 0xa282ead8;
    }
}
