package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.model.safetensors.SafeTensorsDTypes;
import org.visualrft.model.safetensors.SafeTensorsHeader;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.core.io.AtomicFile;

/**
 * Named tensors in the safetensors layout (8-byte little-endian header length, JSON header, raw little-endian data),
 * bit-exact in their own dtype. Used for optimiser state; any safetensors reader can open the files.
 */
public final class TensorArchive {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TensorArchive() {
    }

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        Map<String, byte[]> data = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            byte[] b = e.getValue().toBytes();
            ObjectNode d = header.putObject(e.getKey());
            d.put("dtype", SafeTensorsDTypes.name(e.getValue().dtype()));
            var shape = d.putArray("shape");
            for (long s : e.getValue().shape()) {
                shape.add(s);
            }
            var off = d.putArray("data_offsets");
            off.add(offset);
            off.add(offset + b.length);
            offset += b.length;
            data.put(e.getKey(), b);
        }
        byte[] h = JSON.writeValueAsBytes(header);
        int pad = (8 - h.length % 8) % 8;
        byte[] hp = new byte[h.length + pad];
        System.arraycopy(h, 0, hp, 0, h.length);
        java.util.Arrays.fill(hp, h.length, hp.length, (byte) ' ');
        AtomicFile.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hp.length);
            out.write(len.array());
            out.write(hp);
            for (byte[] b : data.values()) {
                out.write(b);
            }
        });
    }

    /** Reads every tensor (created in the current native scope, if any). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 8) {
            throw new BadInputException(file, "too short for a tensor file");
        }
        long hlen = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (hlen < 2 || 8 + hlen > all.length) {
            throw new BadInputException(file, "bad header length " + hlen);
        }
        JsonNode header = SafeTensorsHeader.parse(file, all, 8, (int) hlen);
        int base = 8 + (int) hlen;
        Map<String, Tensor> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = header.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode d = e.getValue();
            long[] shape = new long[d.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = d.get("shape").get(i).asLong();
            }
            long from = d.get("data_offsets").get(0).asLong();
            long to = d.get("data_offsets").get(1).asLong();
            if (from < 0 || to < from || base + to > all.length) {
                throw new BadInputException(file, "tensor '" + e.getKey() + "' lies outside the file");
            }
            ByteBuffer slice = ByteBuffer.wrap(all, base + (int) from, (int) (to - from)).slice();
            out.put(e.getKey(), Tensor.fromBytes(slice, dtype(file, d.get("dtype").asText()), shape));
        }
        return out;
    }

    /** One tensor of a lazily written archive (placeholder until the streaming writer lands). */
    public record Entry(String name, DType dtype, long[] shape, java.util.function.Supplier<Tensor> value,
            boolean closeAfterWrite) {
    }

    public static void write(Path file, java.util.List<Entry> entries) throws IOException {
        Map<String, Tensor> m = new LinkedHashMap<>();
        java.util.List<Tensor> close = new java.util.ArrayList<>();
        for (Entry e : entries) {
            Tensor t = e.value().get();
            m.put(e.name(), t);
            if (e.closeAfterWrite()) {
                close.add(t);
            }
        }
        write(file, m);
        close.forEach(Tensor::close);
    }

    public static Map<String, Tensor> read(Path file, java.util.function.Predicate<String> wanted)
            throws IOException {
        Map<String, Tensor> all = read(file);
        all.keySet().removeIf(k -> !wanted.test(k));
        return all;
    }

    public static Map<String, long[]> shapes(Path file) throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        read(file).forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    static DType dtype(Path file, String s) {
        DType d = SafeTensorsDTypes.parse(s);
        if (d == null) {
            throw new BadInputException(file, "unsupported dtype " + s);
        }
        return d;
    }
}
