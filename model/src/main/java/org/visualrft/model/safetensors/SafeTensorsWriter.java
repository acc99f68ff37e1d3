package org.visualrft.model.safetensors;

import org.visualrft.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Writes a {@code .safetensors} file: tensors in the given order, data back to back, header padded with spaces to a
 * multiple of 8 bytes (as the reference writer does). Written to a temporary name and renamed, so a reader never
 * sees half a file. Each tensor's bytes are streamed from native memory in bounded chunks
 * ({@link Tensor#writeBytes}), so neither the file nor any one tensor is ever copied whole onto the Java heap and
 * tensors over 2 GiB are written like any other.
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {
    }

    /**
     * One tensor to write. The header needs only {@code dtype} and {@code shape}; {@code value} is called once, when
     * the tensor's turn comes, so a caller can make tensors one at a time (gather a shard, convert a weight) and have
     * each freed after it is written ({@code closeAfterWrite}).
     */
    public record Entry(String name, DType dtype, long[] shape, Supplier<Tensor> value, boolean closeAfterWrite) {
        /** An entry for a tensor that already exists (and stays open). */
        public static Entry of(String name, Tensor tensor) {
            return new Entry(name, tensor.dtype(), tensor.shape(), () -> tensor, false);
        }

        /** Bytes of the data: numel × dtype size. */
        long byteLength() {
            long n = dtype.bytes();
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>(tensors.size());
        tensors.forEach((name, t) -> entries.add(Entry.of(name, t)));
        write(file, entries, metadata);
    }

    /**
     * Writes {@code entries} in order: the header from their declared dtypes and shapes, then for each entry its
     * {@code value} (called exactly once, in order, even for an empty tensor), refused with an
     * {@link IllegalStateException} when its dtype or shape is not the declared one. On any failure nothing is left
     * at {@code file} (and the entries after the failing one are not made).
     */
    public static void write(Path file, List<Entry> entries, Map<String, String> metadata) {
        byte[] header = header(entries, metadata);
        AtomicFile.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            for (Entry e : entries) {
                Tensor t = e.value().get();
                try {
                    if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape())) {
                        throw new IllegalStateException("tensor '" + e.name() + "' was declared " + e.dtype() + " "
                                + Arrays.toString(e.shape()) + " but is " + t.dtype() + " "
                                + Arrays.toString(t.shape()));
                    }
                    t.writeBytes(out);
                } finally {
                    if (e.closeAfterWrite()) {
                        t.close();
                    }
                }
            }
        });
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            if (header.has(e.name())) {
                throw new IllegalArgumentException("tensor '" + e.name() + "' given twice");
            }
            ObjectNode n = header.putObject(e.name());
            n.put("dtype", SafeTensorsDTypes.name(e.dtype()));
            ArrayNode shape = n.putArray("shape");
            for (long s : e.shape()) {
                shape.add(s);
            }
            ArrayNode off = n.putArray("data_offsets");
            off.add(offset);
            offset = Math.addExact(offset, e.byteLength());
            off.add(offset);
        }
        byte[] h;
        try {
            h = json.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] padded = Arrays.copyOf(h, (h.length + 7) / 8 * 8);
        Arrays.fill(padded, h.length, padded.length, (byte) ' ');
        return padded;
    }
}
