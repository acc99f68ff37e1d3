package org.visualrft.core.reward;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.visualrft.core.BadInputException;
import org.visualrft.core.io.Utf8LineReader;

/**
 * Cuts a byte stream into batches of whole lines (about {@value #TARGET} bytes each, one longer line makes a longer
 * batch). Lines end at {@code \n}, which never occurs inside a UTF-8 multi-byte sequence, so nothing is decoded here.
 */
final class LineBatches {
    static final int TARGET = 1 << 20;

    /** Lines {@code firstLine ..} (1-based) in {@code data[offset, offset + length)}. */
    record Batch(byte[] data, int offset, int length, int lineCount, long firstLine) {
    }

    private final InputStream in;
    private final int target;
    private final String source;
    private byte[] carry = new byte[0];
    private int carryLength;
    private long nextLine = 1;
    private boolean eof;

    LineBatches(InputStream in) {
        this(in, TARGET, "<input>");
    }

    LineBatches(InputStream in, String source) {
        this(in, TARGET, source);
    }

    LineBatches(InputStream in, int target) {
        this(in, target, "<input>");
    }

    LineBatches(InputStream in, int target, String source) {
        this.in = in;
        this.target = target;
        this.source = source;
    }

    /** The next batch, or null at the end. Each batch owns its array (batches are scored on other threads). */
    Batch next() throws IOException {
        if (eof && carryLength == 0) {
            return null;
        }
        byte[] buf = Arrays.copyOf(carry, Math.max(target, 2 * carryLength));
        int filled = carryLength;
        int searchFrom = carryLength; // the carried part is one unfinished line: no newline in it
        while (true) {
            while (!eof && filled < buf.length) {
                int n = in.read(buf, filled, buf.length - filled);
                if (n < 0) {
                    eof = true;
                } else {
                    filled += n;
                }
            }
            int lastNl = -1;
            for (int i = filled - 1; i >= searchFrom; i--) {
                if (buf[i] == '\n') {
                    lastNl = i;
                    break;
                }
            }
            int cut;
            if (eof) {
                cut = filled;
            } else if (lastNl >= 0) {
                cut = lastNl + 1;
            } else {
                searchFrom = filled; // one line longer than the buffer: grow and read on
                if (filled >= Utf8LineReader.MAX_LINE_BYTES) {
                    // an endless "line" (a device, a binary file) is refused, not read until the heap or int runs out
                    throw new BadInputException(source, "line " + nextLine + ": longer than "
                            + (Utf8LineReader.MAX_LINE_BYTES >> 20) + " MB");
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, Utf8LineReader.MAX_LINE_BYTES + 1L));
                continue;
            }
            carryLength = filled - cut;
            carry = carryLength == 0 ? carry : Arrays.copyOfRange(buf, cut, filled);
            if (cut == 0) {
                return null;
            }
            int lines = 0;
            for (int i = 0; i < cut; i++) {
                if (buf[i] == '\n') {
                    lines++;
                }
            }
            if (buf[cut - 1] != '\n') {
                lines++; // the last line has no newline
            }
            Batch b = new Batch(buf, 0, cut, lines, nextLine);
            nextLine += lines;
            return b;
        }
    }
}
