package org.visualrft.core.io;

import java.nio.charset.StandardCharsets;
import org.visualrft.core.BadInputException;

/**
 * Strict UTF-8 for every text file the project reads: malformed bytes are an error naming the file and line (the
 * JDK's decoders either replace them silently or fail without saying where). A leading byte-order mark is skipped,
 * by every reader alike.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** Length of a leading UTF-8 byte-order mark in {@code b[off, off + len)}: 3 or 0. */
    public static int bomLength(byte[] b, int off, int len) {
        return len >= 3 && (b[off] & 0xff) == 0xEF && (b[off + 1] & 0xff) == 0xBB && (b[off + 2] & 0xff) == 0xBF
                ? 3 : 0;
    }

    /**
     * The index of the first byte in {@code b[off, off + len)} that does not start a well-formed UTF-8 sequence
     * (overlong forms, surrogates and code points above U+10FFFF included), or -1 when all of it is valid.
     */
    public static int firstInvalid(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n;
            int min;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
                min = 0x80;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
                min = 0x800;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
                min = 0x10000;
            } else {
                return i;
            }
            if (i + n >= end) {
                return i; // truncated sequence
            }
            int cp = c & (0x3F >> n);
            for (int k = 1; k <= n; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xC0) != 0x80) {
                    return i;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                return i;
            }
            i += n + 1;
        }
        return -1;
    }

    /** Decodes a whole file's bytes (BOM skipped); malformed bytes are a {@link BadInputException} with the line. */
    public static String decode(byte[] bytes, String source) {
        int bom = bomLength(bytes, 0, bytes.length);
        int bad = firstInvalid(bytes, bom, bytes.length - bom);
        if (bad >= 0) {
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < bad; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw invalid(source, line, bad - lineStart, bytes[bad]);
        }
        return new String(bytes, bom, bytes.length - bom, StandardCharsets.UTF_8);
    }

    /** The error for a malformed byte at 0-based {@code column} bytes into 1-based {@code line}. */
    static BadInputException invalid(String source, long line, int column, byte value) {
        return new BadInputException(source, "line " + line + ": " + fault(column, value));
    }

    /** The fault of a line whose byte {@code column} (0-based) starts no well-formed UTF-8 sequence. */
    public static String fault(int column, byte value) {
        return String.format("not valid UTF-8 (byte 0x%02X at byte %d of the line); the file must be UTF-8 text",
                value & 0xff, column + 1);
    }
}
