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
import java.util.Map;
import org.visualrft.model.tensor.Tensor;

/**
 * Writes a {@code .safetensors} file: tensors in the given order, data back to back, header padded with spaces to a
 * multiple of 8 bytes (as the reference writer does). Written to a temporary name and renamed, so a reader never
 * sees half a file.
 */
public final class SafeTensorsWriter {
    private SafeTensorsWriter() {
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        byte[][] data = new byte[tensors.size()][];
        long offset = 0;
        int i = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            data[i] = t.toBytes();
            ObjectNode n = header.putObject(e.getKey());
            n.put("dtype", SafeTensorsDTypes.name(t.dtype()));
            ArrayNode shape = n.putArray("shape");
            for (long s : t.shape()) {
                shape.add(s);
            }
            ArrayNode off = n.putArray("data_offsets");
            off.add(offset);
            off.add(offset + data[i].length);
            offset += data[i].length;
            i++;
        }
        byte[] h;
        try {
            h = json.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (h.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(h, 0, headerBytes, 0, h.length);
        for (int k = h.length; k < padded; k++) {
            headerBytes[k] = ' ';
        }
        AtomicFile.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (byte[] d : data) {
                out.write(d);
            }
        });
    }
}
