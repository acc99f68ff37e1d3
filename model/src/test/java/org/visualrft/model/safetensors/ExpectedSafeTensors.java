package org.visualrft.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Tensor;

/**
 * What a safetensors file of given tensors must hold, built in the test from the format's definition (8-byte
 * little-endian header length, compact header JSON space-padded to a multiple of 8, then each tensor's
 * {@code toBytes()} in order): the bytes the writers produced before they streamed, and must still produce.
 */
public final class ExpectedSafeTensors {
    private ExpectedSafeTensors() {
    }

    public static byte[] file(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        List<String> entries = new ArrayList<>();
        if (metadata != null && !metadata.isEmpty()) {
            List<String> kv = new ArrayList<>();
            metadata.forEach((k, v) -> kv.add("\"" + k + "\":\"" + v + "\""));
            entries.add("\"__metadata__\":{" + String.join(",", kv) + "}");
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            byte[] b = e.getValue().toBytes();
            List<String> dims = new ArrayList<>();
            for (long s : e.getValue().shape()) {
                dims.add(Long.toString(s));
            }
            // the format's names are the enum's (F32, BF16, I64, U8, BOOL, ...), written out here, not looked up
            String dtype = e.getValue().dtype() == DType.BOOL ? "BOOL" : e.getValue().dtype().name();
            entries.add("\"" + e.getKey() + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + String.join(",", dims)
                    + "],\"data_offsets\":[" + data.size() + "," + (data.size() + b.length) + "]}");
            data.write(b);
        }
        byte[] json = ("{" + String.join(",", entries) + "}").getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(json);
        out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
        data.writeTo(out);
        return out.toByteArray();
    }

    /**
     * A tensor of random bytes of any dtype: bools 0 or 1, and a float's top byte without its top two bits, so never a
     * NaN (whose payload a conversion could canonicalise) or an infinity.
     */
    public static Tensor randomBits(DType dtype, long seed, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        byte[] b = new byte[(int) n * dtype.bytes()];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < b.length; i++) {
            int top = dtype.isFloating() && i % dtype.bytes() == dtype.bytes() - 1 ? 0x3f : 0xff;
            b[i] = (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(256) & top);
        }
        return Tensor.fromBytes(ByteBuffer.wrap(b), dtype, shape);
    }

    /** Every tensor of {@code want} read back by {@code got}: the same dtype, shape and bytes. */
    public static void assertReadBack(Map<String, Tensor> want, Function<String, Tensor> got) {
        for (var e : want.entrySet()) {
            Tensor back = got.apply(e.getKey());
            assertEquals(e.getValue().dtype(), back.dtype(), e.getKey());
            assertArrayEquals(e.getValue().shape(), back.shape(), e.getKey());
            assertArrayEquals(e.getValue().toBytes(), back.toBytes(), e.getKey());
        }
    }
}
