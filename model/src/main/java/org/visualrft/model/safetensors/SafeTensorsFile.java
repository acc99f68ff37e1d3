package org.visualrft.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * A {@code .safetensors} file opened for reading: the header is parsed and validated up front, tensor data is read
 * on demand, one tensor at a time, straight into native memory (so files and tensors of any size work).
 *
 * <p>Format: 8 bytes little-endian header length N, N bytes of JSON {@code {name: {dtype, shape, data_offsets:
 * [begin, end]}, "__metadata__": {str: str}}}, then the data section. Validation refuses, naming the file and the
 * fault: a file shorter than 8 bytes; N larger than {@link #MAX_HEADER_BYTES} or than the file; a header that is not
 * a JSON object; an entry without a known dtype, a shape of non-negative integers, or offsets
 * {@code 0 <= begin <= end <= data length}; {@code end - begin != numel * dtype size}; two entries whose ranges
 * overlap. Nothing is read outside the file: every offset is checked before any mapping.
 */
public final class SafeTensorsFile implements AutoCloseable {
    /** Header size bound: the safetensors reference implementation uses 100 MB. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorEntry> entries;
    private final Map<String, String> metadata;

    private SafeTensorsFile(Path file, FileChannel channel, long dataStart, Map<String, TensorEntry> entries,
            Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates {@code file}; any fault is a {@link BadInputException} naming it. */
    public static SafeTensorsFile open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot open safetensors file: " + e.getMessage(), e);
        }
        try {
            return parse(file, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do: the open already failed
        }
    }

    private static SafeTensorsFile parse(Path file, FileChannel ch) {
        try {
            long size = ch.size();
            if (size < 8) {
                throw new BadInputException(file, "truncated safetensors file: " + size + " bytes, no header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw new BadInputException(file, "safetensors header length " + Long.toUnsignedString(headerLen)
                        + " is outside 2.." + MAX_HEADER_BYTES + " bytes");
            }
            if (headerLen > size - 8) {
                throw new BadInputException(file, "truncated safetensors file: header of " + headerLen
                        + " bytes but only " + (size - 8) + " bytes follow");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root = SafeTensorsHeader.parse(file, header.array(), 0, (int) headerLen);
            long dataStart = 8 + headerLen;
            long dataLen = size - dataStart;
            Map<String, TensorEntry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = root.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) {
                        throw new BadInputException(file, "__metadata__ is not an object");
                    }
                    e.getValue().fields().forEachRemaining(m -> {
                        if (!m.getValue().isTextual()) { // the format's metadata is a string-to-string map
                            throw new BadInputException(file, "__metadata__ value of '" + m.getKey()
                                    + "' is not a string");
                        }
                        metadata.put(m.getKey(), m.getValue().asText());
                    });
                    continue;
                }
                entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), dataLen));
            }
            checkNoOverlap(file, entries);
            return new SafeTensorsFile(file, ch, dataStart, Collections.unmodifiableMap(entries),
                    Collections.unmodifiableMap(metadata));
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read safetensors file: " + e.getMessage(), e);
        }
    }

    private static TensorEntry entry(Path file, String name, JsonNode n, long dataLen) {
        String where = "tensor '" + name + "': ";
        if (!n.isObject()) {
            throw new BadInputException(file, where + "header entry is not an object");
        }
        JsonNode dt = n.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new BadInputException(file, where + "no dtype");
        }
        DType dtype = SafeTensorsDTypes.parse(dt.asText());
        if (dtype == null) {
            throw new BadInputException(file, where + "unsupported dtype " + dt.asText());
        }
        JsonNode sh = n.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new BadInputException(file, where + "no shape array");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new BadInputException(file, where + "shape " + sh + " is not a list of non-negative integers");
            }
            shape[i] = d.asLong();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new BadInputException(file, where + "shape " + sh + " is too large");
            }
        }
        JsonNode off = n.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber()
                || !off.get(1).isIntegralNumber() || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()) {
            throw new BadInputException(file, where + "data_offsets is not [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataLen) {
            throw new BadInputException(file, where + "data_offsets [" + begin + ", " + end
                    + "] outside the data section of " + dataLen + " bytes");
        }
        long want;
        try {
            want = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException ex) {
            throw new BadInputException(file, where + "shape " + sh + " is too large");
        }
        if (end - begin != want) {
            throw new BadInputException(file, where + "holds " + (end - begin) + " bytes but shape " + sh + " of "
                    + dt.asText() + " needs " + want);
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static void checkNoOverlap(Path file, Map<String, TensorEntry> entries) {
        List<TensorEntry> sorted = new ArrayList<>(entries.values());
        sorted.sort(Comparator.comparingLong(TensorEntry::begin).thenComparingLong(TensorEntry::end));
        TensorEntry prev = null;
        for (TensorEntry e : sorted) {
            if (e.byteLength() == 0) {
                continue;
            }
            if (prev != null && e.begin() < prev.end()) {
                throw new BadInputException(file, "tensors '" + prev.name() + "' and '" + e.name()
                        + "' overlap in the data section");
            }
            prev = e;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    public Path file() {
        return file;
    }

    /** Header entries in file order. */
    public Map<String, TensorEntry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /**
     * The raw bytes of one tensor, memory-mapped read-only (valid while this file is open); a tensor over 2 GiB
     * cannot be mapped as one buffer: use {@link #read}.
     */
    public ByteBuffer bytes(String name) {
        TensorEntry e = entry(name);
        if (e.byteLength() == 0) {
            return ByteBuffer.allocateDirect(0);
        }
        try {
            MappedByteBuffer m = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), e.byteLength());
            return m.order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException ex) {
            throw new BadInputException(file, "cannot map tensor '" + name + "': " + ex.getMessage(), ex);
        }
    }

    /**
     * One tensor, read from the file straight into a libtorch tensor of the stored dtype (in bounded chunks: any
     * size, nothing on the Java heap).
     */
    public Tensor read(String name) {
        TensorEntry e = entry(name);
        try {
            return Tensor.readFrom(channel, dataStart + e.begin(), e.dtype(), e.shape());
        } catch (IOException ex) {
            throw new BadInputException(file, "cannot read tensor '" + name + "': " + ex.getMessage(), ex);
        }
    }

    private TensorEntry entry(String name) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new BadInputException(file, "no tensor named '" + name + "'");
        }
        return e;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }
}
