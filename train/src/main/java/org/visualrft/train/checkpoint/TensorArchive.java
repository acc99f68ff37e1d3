package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.visualrft.core.BadInputException;
import org.visualrft.model.safetensors.SafeTensorsDTypes;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.safetensors.SafeTensorsHeader;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * Named tensors in the safetensors layout (8-byte little-endian header length, JSON header, raw little-endian data),
 * bit-exact in their own dtype. Used for optimiser state; any safetensors reader can open the files. Tensors are
 * streamed between native memory and the file in bounded chunks, so a file or a tensor of any size (over 2 GiB
 * included) is written and read without a copy on the Java heap.
 */
public final class TensorArchive {
    private TensorArchive() {
    }

    /**
     * One tensor to write, made when its turn comes: the header is written from {@code dtype} and {@code shape}, then
     * {@code value} is called exactly once, in order (even for an empty tensor: it may run a collective on every
     * rank), and the tensor is closed after its bytes are written when {@code closeAfterWrite}.
     */
    public record Entry(String name, DType dtype, long[] shape, Supplier<Tensor> value, boolean closeAfterWrite) {
    }

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        SafeTensorsWriter.write(file, tensors, null);
    }

    /**
     * Writes the entries in order, one tensor in memory at a time. A value whose dtype or shape is not the declared
     * one is an {@link IllegalStateException}; on any failure no file is left (the entries after the failing one are
     * not made).
     */
    public static void write(Path file, List<Entry> entries) throws IOException {
        List<SafeTensorsWriter.Entry> out = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            out.add(new SafeTensorsWriter.Entry(e.name(), e.dtype(), e.shape(), e.value(), e.closeAfterWrite()));
        }
        SafeTensorsWriter.write(file, out, null);
    }

    /** Reads every tensor (created in the current native scope, if any). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /**
     * Reads the tensors whose names {@code wanted} accepts, in file order (created in the current native scope, if
     * any); the others are not read, but the whole header is validated.
     */
    public static Map<String, Tensor> read(Path file, Predicate<String> wanted) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
            scan(file, wanted, out::put);
        } catch (IOException | RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
        return out;
    }

    /**
     * Reads the tensors {@code wanted} accepts one at a time, in file order, hands each to {@code use} and frees it
     * when {@code use} returns: at most one of the file's tensors is in memory. The whole header is validated first.
     */
    public static void forEach(Path file, Predicate<String> wanted, BiConsumer<String, Tensor> use)
            throws IOException {
        scan(file, wanted, (name, t) -> {
            try {
                use.accept(name, t);
            } finally {
                t.close();
            }
        });
    }

    private static void scan(Path file, Predicate<String> wanted, BiConsumer<String, Tensor> use) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (Stored s : header(file, ch).values()) {
                if (wanted.test(s.name())) {
                    use.accept(s.name(), Tensor.readFrom(ch, s.position(), s.dtype(), s.shape()));
                }
            }
        }
    }

    /** Each tensor's shape, in file order, from the (validated) header alone. */
    public static Map<String, long[]> shapes(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Map<String, long[]> out = new LinkedHashMap<>();
            header(file, ch).forEach((name, s) -> out.put(name, s.shape()));
            return out;
        }
    }

    /** A tensor as the header describes it; {@code position} is its first byte in the file. */
    private record Stored(String name, DType dtype, long[] shape, long position) {
    }

    private static Map<String, Stored> header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new BadInputException(file, "too short for a tensor file");
        }
        long hlen = readFully(ch, ByteBuffer.allocate(8), 0).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (hlen < 2 || hlen > size - 8 || hlen > SafeTensorsFile.MAX_HEADER_BYTES) {
            throw new BadInputException(file, "bad header length " + hlen);
        }
        byte[] bytes = readFully(ch, ByteBuffer.allocate((int) hlen), 8).array();
        JsonNode header = SafeTensorsHeader.parse(file, bytes, 0, bytes.length);
        long base = 8 + hlen;
        Map<String, Stored> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                out.put(e.getKey(), stored(file, e.getKey(), e.getValue(), base, size));
            }
        }
        return out;
    }

    private static Stored stored(Path file, String name, JsonNode d, long base, long size) {
        String where = "tensor '" + name + "'";
        JsonNode sh = d.path("shape");
        JsonNode off = d.path("data_offsets");
        if (!d.path("dtype").isTextual() || !sh.isArray() || !off.isArray() || off.size() != 2
                || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new BadInputException(file, where + " has no dtype, shape or data_offsets [begin, end]");
        }
        DType dtype = dtype(file, d.get("dtype").asText());
        long[] shape = new long[sh.size()];
        long bytes = dtype.bytes();
        for (int i = 0; i < shape.length; i++) {
            shape[i] = sh.get(i).asLong();
            if (!sh.get(i).isIntegralNumber() || shape[i] < 0) {
                throw new BadInputException(file, where + " has shape " + sh + ", not non-negative integers");
            }
            try {
                bytes = Math.multiplyExact(bytes, shape[i]);
            } catch (ArithmeticException ex) {
                throw new BadInputException(file, where + " has shape " + sh + ", too large");
            }
        }
        long from = off.get(0).asLong();
        long to = off.get(1).asLong();
        if (from < 0 || to < from || to > size - base) {
            throw new BadInputException(file, where + " lies outside the file");
        }
        if (to - from != bytes) {
            throw new BadInputException(file, where + " holds " + (to - from) + " bytes but its shape " + sh
                    + " of " + dtype + " needs " + bytes);
        }
        return new Stored(name, dtype, shape, base + from);
    }

    private static ByteBuffer readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buf.flip();
    }

    static DType dtype(Path file, String s) {
        DType d = SafeTensorsDTypes.parse(s);
        if (d == null) {
            throw new BadInputException(file, "unsupported dtype " + s);
        }
        return d;
    }
}
