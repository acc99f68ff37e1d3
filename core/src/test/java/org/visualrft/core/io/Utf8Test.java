package org.visualrft.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;

class Utf8Test {
    private static int firstInvalid(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.firstInvalid(b, 0, b.length);
    }

    @Test
    void acceptsWellFormedAndRefusesEveryMalformedKind() {
        byte[] good = "a\u00e4\u20ac\uD83D\uDE00z".getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, Utf8.firstInvalid(good, 0, good.length));
        assertEquals(0, firstInvalid(0xC0, 0x80), "overlong 2-byte");
        assertEquals(0, firstInvalid(0xE0, 0x80, 0x80), "overlong 3-byte");
        assertEquals(0, firstInvalid(0xED, 0xA0, 0x80), "UTF-16 surrogate");
        assertEquals(0, firstInvalid(0xF4, 0x90, 0x80, 0x80), "above U+10FFFF");
        assertEquals(1, firstInvalid('x', 0xE2, 0x82), "truncated at the end");
        assertEquals(1, firstInvalid('x', 0x80), "stray continuation byte");
        assertEquals(0, firstInvalid(0xFF), "never valid");
        assertEquals(0, firstInvalid(0xC3, 0x28), "lead byte without continuation");
    }

    @Test
    void lineReaderNamesTheLineSkipsTheBomAndHandlesCrLf() throws Exception {
        byte[] text = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a', '\r', '\n', 'b', '\n', '\n', 'c', (byte) 0xFF, '\n'};
        Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(text), "in.txt");
        assertEquals("a", r.readLine());
        assertEquals("b", r.readLine());
        assertEquals("", r.readLine());
        BadInputException e = assertThrows(BadInputException.class, r::readLine);
        assertEquals("in.txt", e.source());
        assertTrue(e.fault().startsWith("line 4:") && e.fault().contains("0xFF") && e.fault().contains("byte 2"),
                e.fault());
        Utf8LineReader last = new Utf8LineReader(new ByteArrayInputStream("x\ny".getBytes(StandardCharsets.UTF_8)),
                "s");
        assertEquals("x", last.readLine());
        assertEquals("y", last.readLine());
        assertEquals(null, last.readLine());
        BadInputException whole = assertThrows(BadInputException.class,
                () -> Utf8.decode(new byte[] {'a', '\n', 'b', '\n', (byte) 0xC0, (byte) 0x80}, "f.yaml"));
        assertTrue(whole.fault().startsWith("line 3:"), whole.fault());
        assertEquals("k: v", Utf8.decode(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'k', ':', ' ', 'v'}, "f"));
    }

    @Test
    void jsonErrorsAreOneLineWithoutEchoOrSource() {
        String m = "Unrecognized token 'hunter2': was expecting (JSON String, Number, Array, Object or token 'null',"
                + " 'true' or 'false')\n at [Source: (String)\"hunter2 secret\"; line: 1, column: 8]";
        String f = JsonErrors.fault(m);
        assertTrue(!f.contains("hunter2") && !f.contains("[Source") && !f.contains("\n"), f);
        assertTrue(f.startsWith("Unrecognized token"), f);
        assertTrue(!JsonErrors.fault("Unexpected character ('s' (code 115)): was expecting comma").contains("'s'"));
    }

    /** Jackson's hints name its own settings, and cutting its source echo left "(start marker" dangling. */
    @Test
    void jsonErrorsNameNoParserSettingsAndLeaveNothingDangling() {
        assertEquals("Non-standard token 'NaN' (NaN and Infinity are not JSON numbers)", JsonErrors.fault(
                "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow\n at [Source:"
                        + " (File); line: 1, column: 64]"));
        assertEquals("Unexpected end-of-input: expected close marker for Array", JsonErrors.fault(
                "Unexpected end-of-input: expected close marker for Array (start marker at [Source: (File); line: 1,"
                        + " column: 1])\n at [Source: (File); line: 2, column: 1]"));
    }
}
