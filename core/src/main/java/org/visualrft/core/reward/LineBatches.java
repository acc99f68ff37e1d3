package org.visualrft.core.reward;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.visualrft.core.io.Utf8LineReader;

/**
 * Cuts a byte stream into batches of whole lines (about {@value #TARGET} bytes each, one longer line makes a longer
 * batch). Lines end at {@code \n}, which never occurs inside a UTF-8 multi-byte sequence, so nothing is decoded here.
 * Lines are not counted here (this runs on the one thread that reads): the scoring threads count a batch's lines as
 * they cut it, and the writer, which sees the batches in order, numbers them.
 */
final class LineBatches {
    static final int TARGET = 1 << 20;

    /** Whole lines in {@code data[offset, offset + length)}. */
    record Batch(byte[] data, int offset, int length) {
    }

    /** A line longer than {@link Utf8LineReader#MAX_LINE_BYTES}; it starts after the last batch returned. */
    static final class LineTooLong extends RuntimeException {
        LineTooLong() {
            super("line longer than " + (Utf8LineReader.MAX_LINE_BYTES >> 20) + " MB", null, false, false);
        }
    }

    private final InputStream in;
    private final int target;
    private byte[] carry = new byte[0];
    private int carryLength;
    private boolean eof;

    LineBatches(InputStream in) {
        this(in, TARGET);
    }

    LineBatches(InputStream in, int target) {
        this.in = in;
        this.target = target;
    }

    /**
     * The next batch, or null at the end. Each batch owns its array (batches are scored on other threads).
     * {@link LineTooLong} when the next line is longer than {@link Utf8LineReader#MAX_LINE_BYTES}.
     */
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
                    throw new LineTooLong();
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, Utf8LineReader.MAX_LINE_BYTES + 1L));
                continue;
            }
            carryLength = filled - cut;
            carry = carryLength == 0 ? carry : Arrays.copyOfRange(buf, cut, filled);
            if (cut == 0) {
                return null;
            }
            return new Batch(buf, 0, cut);
        }
    }
}
