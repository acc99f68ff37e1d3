package org.visualrft.core.io;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.visualrft.core.BadInputException;

/**
 * Reads lines of strict UTF-8 (files and standard input alike): a malformed byte is a {@link BadInputException}
 * naming the source and the line, a leading byte-order mark is skipped, and {@code \n} or {@code \r\n} end a line.
 * A {@link BufferedReader} so that line-oriented readers take it unchanged; only {@link #readLine()} is supported.
 */
public final class Utf8LineReader extends BufferedReader {
    /** The longest line accepted: far above any JSONL record (a base64 image included), far below the heap. */
    public static final int MAX_LINE_BYTES = 1 << 28;
    private final InputStream in;
    private final String source;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int limit;
    private byte[] line = new byte[256];
    private long lineNumber;
    private boolean eof;

    public Utf8LineReader(InputStream in, String source) {
        super(Reader.nullReader(), 1);
        this.in = in;
        this.source = source;
    }

    /** Opens a file; a missing or unreadable one is a {@link BadInputException}. */
    public static Utf8LineReader open(Path file) {
        try {
            return new Utf8LineReader(Files.newInputStream(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The number of the line {@link #readLine()} returned last (1-based). */
    public long lineNumber() {
        return lineNumber;
    }

    @Override
    public String readLine() throws IOException {
        if (eof) {
            return null;
        }
        int n = 0;
        boolean any = false;
        while (true) {
            if (pos == limit) {
                limit = in.read(buf, 0, buf.length);
                pos = 0;
                if (limit <= 0) {
                    limit = 0;
                    eof = true;
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            int len = pos - start;
            if ((long) n + len > MAX_LINE_BYTES) {
                throw new BadInputException(source, "line " + (lineNumber + 1) + ": longer than " + (MAX_LINE_BYTES >> 20)
                        + " MB without a line break (is this a JSON Lines text file?)");
            }
            if (n + len > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, n + len));
            }
            System.arraycopy(buf, start, line, n, len);
            n += len;
            if (pos < limit) {
                pos++; // the '\n'
                break;
            }
        }
        lineNumber++;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        int off = lineNumber == 1 ? Utf8.bomLength(line, 0, n) : 0;
        int bad = Utf8.firstInvalid(line, off, n - off);
        if (bad >= 0) {
            throw Utf8.invalid(source, lineNumber, bad, line[bad]);
        }
        return new String(line, off, n - off, StandardCharsets.UTF_8);
    }

    @Override
    public int read() {
        throw new UnsupportedOperationException("Utf8LineReader reads lines only");
    }

    @Override
    public int read(char[] cbuf, int off, int len) {
        throw new UnsupportedOperationException("Utf8LineReader reads lines only");
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
