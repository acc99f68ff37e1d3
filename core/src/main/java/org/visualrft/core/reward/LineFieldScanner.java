package org.visualrft.core.reward;

import java.nio.charset.StandardCharsets;

/**
 * The fields {@link JsonlRewarder} reads from one input line, by a small scanner for the plain shape of a JSONL line
 * (an object of ASCII JSON, strictly per RFC 8259). It answers only when it is sure: anything outside that subset
 * (a byte over 0x7F, a control character, an escape in a key, a number, string or nesting near Jackson's limits,
 * an {@code image_size} other than {@code [w, h]} of positive ints, a field the rewarder reads holding a non-string,
 * any syntax error) makes {@link #scan} return false, and the line goes to Jackson, which gives the error message or
 * the values. On what it accepts, Jackson accepts the same line and reads the same values (tested:
 * {@code LineFieldScannerTest}); it exists because it is several times cheaper per line and far less code for the
 * JIT to warm up than a Jackson parser per line.
 *
 * <p>Not thread-safe: one per scoring thread.
 */
final class LineFieldScanner {
    /** Well under Jackson's limits (string 20 M chars, number 1,000 chars, nesting 1,000, name 50,000). */
    private static final int MAX_STRING = 1 << 20;
    private static final int MAX_NUMBER = 100;
    private static final int MAX_DEPTH = 100;
    private static final int MAX_KEY = 1000;

    String completion;
    String solution;
    String task;
    /** Image width and height, 0 when the line has none (or {@code null}). */
    int width;
    int height;
    /** Top-level fields seen (duplicates counted). */
    int fields;

    private byte[] b;
    private int pos;
    private int end;
    private final StringBuilder escaped = new StringBuilder();

    /** Reads {@code buf[from, to)} (no trailing whitespace); false when the line must go to Jackson. */
    boolean scan(byte[] buf, int from, int to) {
        completion = null;
        solution = null;
        task = null;
        width = 0;
        height = 0;
        fields = 0;
        b = buf;
        pos = from;
        end = to;
        try {
            return object();
        } finally {
            b = null;
        }
    }

    private boolean object() {
        skipSpace();
        if (pos >= end || b[pos] != '{') {
            return false;
        }
        pos++;
        skipSpace();
        if (pos < end && b[pos] == '}') {
            pos++;
            return pos == end;
        }
        while (true) {
            int nameStart = pos + 1;
            if (!skipString(false)) {
                return false;
            }
            int nameEnd = pos - 1;
            skipSpace();
            if (pos >= end || b[pos] != ':') {
                return false;
            }
            pos++;
            skipSpace();
            fields++;
            int field = field(nameStart, nameEnd);
            if (field == SCORED) {
                return false; // a line scored before: JsonlRewarder drops its old rewards on the general path
            }
            if (field == IMAGE_SIZE) {
                if (!imageSize()) {
                    return false;
                }
            } else if (field != OTHER) {
                String s = string();
                if (s == null) {
                    return false; // not a string (an error Jackson names) or outside the subset
                }
                switch (field) {
                    case COMPLETION -> completion = s;
                    case SOLUTION -> solution = s;
                    default -> task = s;
                }
            } else if (!skipValue(1)) {
                return false;
            }
            skipSpace();
            if (pos >= end) {
                return false;
            }
            byte c = b[pos++];
            if (c == '}') {
                return pos == end;
            }
            if (c != ',') {
                return false;
            }
            skipSpace();
        }
    }

    private static final int OTHER = 0;
    private static final int COMPLETION = 1;
    private static final int SOLUTION = 2;
    private static final int TASK = 3;
    private static final int IMAGE_SIZE = 4;
    private static final int SCORED = 5;

    /** Which field a key (raw bytes, without escapes: {@link #skipString} refused those in keys) names. */
    private int field(int from, int to) {
        int n = to - from;
        if (n == 10 && equals(from, "completion")) {
            return COMPLETION;
        }
        if (n == 8 && equals(from, "solution")) {
            return SOLUTION;
        }
        if (n == 4 && equals(from, "task")) {
            return TASK;
        }
        if (n == 10 && equals(from, "image_size")) {
            return IMAGE_SIZE;
        }
        if ((n == 7 && equals(from, "rewards")) || (n == 6 && equals(from, "reward"))) {
            return SCORED;
        }
        return OTHER;
    }

    private boolean equals(int from, String key) {
        for (int i = 0; i < key.length(); i++) {
            if (b[from + i] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private void skipSpace() {
        while (pos < end) {
            byte c = b[pos];
            if (c != ' ' && c != '\t' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    /** {@code null}, or {@code [w, h]} of positive ints up to nine digits; anything else goes to Jackson. */
    private boolean imageSize() {
        if (literal("null")) {
            width = 0;
            height = 0;
            return true;
        }
        if (pos >= end || b[pos] != '[') {
            return false;
        }
        pos++;
        skipSpace();
        int w = smallPositiveInt();
        skipSpace();
        if (w <= 0 || pos >= end || b[pos] != ',') {
            return false;
        }
        pos++;
        skipSpace();
        int h = smallPositiveInt();
        skipSpace();
        if (h <= 0 || pos >= end || b[pos] != ']') {
            return false;
        }
        pos++;
        width = w;
        height = h;
        return true;
    }

    private int smallPositiveInt() {
        int start = pos;
        int v = 0;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9' && pos - start < 9) {
            v = v * 10 + (b[pos] - '0');
            pos++;
        }
        if (pos == start || b[start] == '0' || (pos < end && isNumberChar(b[pos]))) {
            return -1;
        }
        return v;
    }

    private static boolean isNumberChar(byte c) {
        return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '-' || c == '+';
    }

    /** A string value as Jackson decodes it, or null when the value is not a string of the subset. */
    private String string() {
        if (pos >= end || b[pos] != '"') {
            return null;
        }
        int start = pos + 1;
        boolean plain = true;
        int i = start;
        while (true) {
            if (i >= end || i - start > MAX_STRING) {
                return null;
            }
            byte c = b[i];
            if (c == '"') {
                break;
            }
            if (c < 0x20) { // a control character, or (negative) a byte over 0x7F
                return null;
            }
            if (c == '\\') {
                plain = false;
                i++; // the escaped character cannot be a closing quote
            }
            i++;
        }
        if (plain) {
            pos = i + 1;
            return new String(b, start, i - start, StandardCharsets.ISO_8859_1); // ASCII: the UTF-8 text
        }
        StringBuilder out = escaped;
        out.setLength(0);
        for (int k = start; k < i; k++) {
            byte c = b[k];
            if (c != '\\') {
                out.append((char) c);
                continue;
            }
            byte e = b[++k];
            switch (e) {
                case '"', '\\', '/' -> out.append((char) e);
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'u' -> {
                    if (k + 4 >= i) {
                        return null;
                    }
                    int v = 0;
                    for (int d = 1; d <= 4; d++) {
                        int h = hex(b[k + d]);
                        if (h < 0) {
                            return null;
                        }
                        v = (v << 4) | h;
                    }
                    out.append((char) v); // Jackson does not pair surrogates either
                    k += 4;
                }
                default -> {
                    return null;
                }
            }
        }
        pos = i + 1;
        return out.toString();
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Moves past a string (a key when {@code !value}: no escapes allowed); false outside the subset. */
    private boolean skipString(boolean value) {
        if (pos >= end || b[pos] != '"') {
            return false;
        }
        int start = ++pos;
        int limit = value ? MAX_STRING : MAX_KEY;
        while (pos < end && pos - start <= limit) {
            byte c = b[pos++];
            if (c == '"') {
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                if (!value || pos >= end) {
                    return false;
                }
                byte e = b[pos++];
                if (e == 'u') {
                    if (pos + 4 > end) {
                        return false;
                    }
                    for (int d = 0; d < 4; d++) {
                        if (hex(b[pos++]) < 0) {
                            return false;
                        }
                    }
                } else if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r'
                        && e != 't') {
                    return false;
                }
            }
        }
        return false;
    }

    private static final int CLOSED = 1;
    private static final int MORE = 0;
    private static final int OUTSIDE = -1;

    /** After an object member or array element: {@link #CLOSED} past {@code close}, {@link #MORE} past a comma. */
    private int afterMember(char close) {
        skipSpace();
        if (pos >= end) {
            return OUTSIDE;
        }
        byte d = b[pos++];
        if (d == close) {
            return CLOSED;
        }
        if (d != ',') {
            return OUTSIDE;
        }
        skipSpace();
        return MORE;
    }

    /** Moves past any JSON value of the subset; false outside it. */
    private boolean skipValue(int depth) {
        if (pos >= end) {
            return false;
        }
        byte c = b[pos];
        switch (c) {
            case '"' -> {
                return skipString(true);
            }
            case '{' -> {
                if (depth > MAX_DEPTH) {
                    return false;
                }
                pos++;
                skipSpace();
                if (pos < end && b[pos] == '}') {
                    pos++;
                    return true;
                }
                while (true) {
                    if (!skipString(false)) {
                        return false;
                    }
                    skipSpace();
                    if (pos >= end || b[pos] != ':') {
                        return false;
                    }
                    pos++;
                    skipSpace();
                    if (!skipValue(depth + 1)) {
                        return false;
                    }
                    int next = afterMember('}');
                    if (next != MORE) {
                        return next == CLOSED;
                    }
                }
            }
            case '[' -> {
                if (depth > MAX_DEPTH) {
                    return false;
                }
                pos++;
                skipSpace();
                if (pos < end && b[pos] == ']') {
                    pos++;
                    return true;
                }
                while (true) {
                    if (!skipValue(depth + 1)) {
                        return false;
                    }
                    int next = afterMember(']');
                    if (next != MORE) {
                        return next == CLOSED;
                    }
                }
            }
            case 't' -> {
                return literal("true");
            }
            case 'f' -> {
                return literal("false");
            }
            case 'n' -> {
                return literal("null");
            }
            default -> {
                return number();
            }
        }
    }

    /** A literal followed by a separator (Jackson refuses {@code truex}). */
    private boolean literal(String word) {
        int n = word.length();
        if (pos + n > end || !equals(pos, word)) {
            return false;
        }
        if (pos + n < end && !separator(b[pos + n])) {
            return false;
        }
        pos += n;
        return true;
    }

    private static boolean separator(byte c) {
        return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r';
    }

    /** {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?} followed by a separator or the end. */
    private boolean number() {
        int start = pos;
        if (pos < end && b[pos] == '-') {
            pos++;
        }
        if (pos >= end) {
            return false;
        }
        if (b[pos] == '0') {
            pos++;
        } else if (!digits()) {
            return false;
        }
        if (pos < end && b[pos] == '.') {
            pos++;
            if (!digits()) {
                return false;
            }
        }
        if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
            pos++;
            if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
                pos++;
            }
            if (!digits()) {
                return false;
            }
        }
        return pos - start <= MAX_NUMBER && (pos == end || separator(b[pos]));
    }

    private boolean digits() {
        int start = pos;
        while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
            pos++;
        }
        return pos > start;
    }
}
