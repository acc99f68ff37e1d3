package org.visualrft.model.safetensors;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The header is read as strictly as the format's reference reader: UTF-8, one object, no name twice. */
class StrictHeaderTest {
    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    static Path raw(Path dir, byte[] header, int dataBytes) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = Files.createTempFile(dir, "h", ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    @Test
    void refusesNonUtf8TrailingContentAndDuplicateNames(@TempDir Path dir) throws Exception {
        // padding with spaces (what writers add for alignment) stays fine
        SafeTensorsFile.open(SafeTensorsTest.file(dir, "{" + A + "}     ", 8)).close();

        byte[] latin1 = ("{\"b\u00e4\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}")
                .getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(SafeTensorsTest.refusal(raw(dir, latin1, 8)).contains("not valid UTF-8"));
        byte[] overlong = ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"__metadata__\":"
                + "{\"k\":\"XX\"}}").getBytes(StandardCharsets.US_ASCII);
        int x = new String(overlong, StandardCharsets.US_ASCII).indexOf("XX");
        overlong[x] = (byte) 0xC0;
        overlong[x + 1] = (byte) 0xAF; // an overlong '/': a classic filter bypass
        assertTrue(SafeTensorsTest.refusal(raw(dir, overlong, 8)).contains("not valid UTF-8"));

        assertTrue(SafeTensorsTest.refusal(SafeTensorsTest.file(dir, "{" + A + "} garbage", 8))
                .contains("after its JSON object"));
        assertTrue(SafeTensorsTest.refusal(SafeTensorsTest.file(dir, "{" + A + "}{}", 8))
                .contains("after its JSON object"));
        assertTrue(SafeTensorsTest.refusal(SafeTensorsTest.file(dir, "{" + A + "," + A + "}", 8))
                .contains("names a tensor twice"));
        String fault = SafeTensorsTest.refusal(SafeTensorsTest.file(dir, "{" + A + ",\"b\":{\"dtype\":\"F32\","
                + "\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        assertTrue(fault.contains("twice") && !fault.contains("[Source"), fault);
    }
}
