package org.visualrft.core.answer;

/**
 * A fast reader for the one shape well-behaved answers have — a JSON list of
 * {@code {'Position': [4 numbers], 'Confidence': number}} with plain numbers — straight into primitive arrays.
 * It accepts only text that {@code json.loads} (after {@code '}→{@code "}) reads to exactly that structure, and
 * returns null for anything else, so callers fall back to the full Python-semantics path; it never changes a value.
 *
 * <p>Numbers: plain integers below 2^24 in magnitude (so every product and sum of the IoU arithmetic is exact in
 * double, as it is with Python ints) and decimals without exponent of at most 15 significant digits (converted
 * exactly-rounded as {@code m / 10^k}, Clinger's fast path, which is what {@code float()} gives).
 */
public final class SimpleBoxList {
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    private static final long INT_LIMIT = 1L << 24;

    /** Room for Position values per element (the tolerant reader keeps up to this many). */
    public static final int STRIDE = 8;

    /** Number of elements. */
    public int count;
    /** Position values of element i from {@code STRIDE*i} (x1, y1, x2, y2 for a box). */
    public double[] coords = new double[4 * STRIDE];
    /** Confidence of element i (when {@link #confidenceKind} is 1). */
    public double[] confidence = new double[4];
    /** Tolerant reading: number of Position values of element i, -1 when it has no Position key. */
    public int[] positionLength = new int[4];
    /** Tolerant reading: 0 no Confidence key, 1 a number or bool (in {@link #confidence}), 2 a string or null. */
    public byte[] confidenceKind = new byte[4];

    private boolean tolerant;

    /** The text being parsed, copied once: array reads are cheaper than String.charAt in this loop. */
    private char[] s = new char[256];
    private int i;
    private int end;

    /** Parses {@code text[from, to)}; returns this filled in, or null when the text is not of the simple shape. */
    public SimpleBoxList parse(String text, int from, int to) {
        tolerant = false;
        return read(text, from, to);
    }

    /**
     * Like {@link #parse} but also accepts what well-meaning models get wrong, recording it instead of rejecting it:
     * keys in any order, repeated (the last wins, as in {@code dict}), missing, or extra with a scalar value; a
     * Position of 0–8 numbers or bools; a Confidence that is a string or null. Anything else (nested values,
     * NaN/Infinity, exponents, escapes, non-dict elements) still returns null.
     */
    public SimpleBoxList parseTolerant(String text, int from, int to) {
        tolerant = true;
        return read(text, from, to);
    }

    private SimpleBoxList read(String text, int from, int to) {
        int n = to - from;
        if (s.length < n) {
            s = new char[Math.max(n, s.length * 2)];
        }
        text.getChars(from, to, s, 0);
        i = 0;
        end = n;
        count = 0;
        ws();
        if (!eat('[')) {
            return null;
        }
        ws();
        if (eat(']')) {
            ws();
            return i == end ? this : null;
        }
        while (true) {
            if (!element()) {
                return null;
            }
            ws();
            if (eat(']')) {
                ws();
                return i == end ? this : null;
            }
            if (!eat(',')) {
                return null;
            }
            ws();
        }
    }

    private boolean element() {
        if (!eat('{')) {
            return false;
        }
        if (count >= confidence.length) {
            int cap = confidence.length * 2;
            coords = java.util.Arrays.copyOf(coords, cap * STRIDE);
            confidence = java.util.Arrays.copyOf(confidence, cap);
            positionLength = java.util.Arrays.copyOf(positionLength, cap);
            confidenceKind = java.util.Arrays.copyOf(confidenceKind, cap);
        }
        positionLength[count] = 4;
        confidenceKind[count] = 1;
        if (tolerant) {
            return tolerantMembers();
        }
        boolean pos = false;
        boolean conf = false;
        for (int k = 0; k < 2; k++) {
            ws();
            if (k == 1) {
                if (!eat(',')) {
                    return false;
                }
                ws();
            }
            int key = key();
            ws();
            if (key == 0 || !eat(':')) {
                return false;
            }
            ws();
            if (key == 1) {
                if (pos || !position()) {
                    return false;
                }
                pos = true;
            } else {
                if (conf) {
                    return false;
                }
                double c = number();
                if (Double.isNaN(c)) {
                    return false;
                }
                confidence[count] = c;
                conf = true;
            }
        }
        ws();
        if (!eat('}')) {
            return false;
        }
        count++;
        return true;
    }

    /** The members of a dict after its '{' in tolerant reading, through the closing '}'. */
    private boolean tolerantMembers() {
        positionLength[count] = -1;
        confidenceKind[count] = 0;
        ws();
        if (eat('}')) {
            count++;
            return true;
        }
        while (true) {
            int key = anyKey();
            ws();
            if (key == 0 || !eat(':')) {
                return false;
            }
            ws();
            boolean ok = switch (key) {
                case 1 -> tolerantPosition();
                case 2 -> tolerantConfidence();
                default -> skipScalar();
            };
            if (!ok) {
                return false;
            }
            ws();
            if (eat('}')) {
                count++;
                return true;
            }
            if (!eat(',')) {
                return false;
            }
            ws();
        }
    }

    /** Any simple string key: 1 Position, 2 Confidence, 3 another key, 0 not a simple string. */
    private int anyKey() {
        int start = i;
        if (!string()) {
            return 0;
        }
        int len = i - start - 2;
        if (len == 8 && matches("Position", start + 1)) {
            return 1;
        }
        if (len == 10 && matches("Confidence", start + 1)) {
            return 2;
        }
        return 3;
    }

    /** A string without escapes or control characters; either quote character ends it ('→" makes them one). */
    private boolean string() {
        if (i >= end || !quote(s[i])) {
            return false;
        }
        for (int j = i + 1; j < end; j++) {
            char c = s[j];
            if (quote(c)) {
                i = j + 1;
                return true;
            }
            if (c == '\\' || c < 0x20) {
                return false;
            }
        }
        return false;
    }

    /** true / false as 1 / 0 (Python bools are ints), or NaN when the text is neither. */
    private double bool() {
        if (i + 4 <= end && matches("true", i)) {
            i += 4;
            return 1.0;
        }
        if (i + 5 <= end && matches("false", i)) {
            i += 5;
            return 0.0;
        }
        return Double.NaN;
    }

    private double numberOrBool() {
        if (i < end && (s[i] == 't' || s[i] == 'f')) {
            return bool();
        }
        return number();
    }

    private boolean tolerantPosition() {
        if (!eat('[')) {
            return false;
        }
        ws();
        int n = 0;
        if (!eat(']')) {
            while (true) {
                if (n == STRIDE) {
                    return false;
                }
                double v = numberOrBool();
                if (Double.isNaN(v)) {
                    return false;
                }
                coords[count * STRIDE + n++] = v;
                ws();
                if (eat(']')) {
                    break;
                }
                if (!eat(',')) {
                    return false;
                }
                ws();
            }
        }
        positionLength[count] = n;
        return true;
    }

    private boolean tolerantConfidence() {
        if (i < end && quote(s[i])) {
            confidenceKind[count] = 2;
            return string();
        }
        if (i + 4 <= end && matches("null", i)) {
            i += 4;
            confidenceKind[count] = 2;
            return true;
        }
        double v = numberOrBool();
        if (Double.isNaN(v)) {
            return false;
        }
        confidence[count] = v;
        confidenceKind[count] = 1;
        return true;
    }

    private boolean skipScalar() {
        if (i < end && quote(s[i])) {
            return string();
        }
        if (i + 4 <= end && matches("null", i)) {
            i += 4;
            return true;
        }
        return !Double.isNaN(numberOrBool());
    }

    /** 1 for Position, 2 for Confidence, 0 otherwise. */
    private int key() {
        if (i >= end || !quote(s[i])) {
            return 0;
        }
        int k = 0;
        if (i + 9 < end && matches("Position", i + 1) && quote(s[i + 9])) {
            i += 10;
            k = 1;
        } else if (i + 11 < end && matches("Confidence", i + 1) && quote(s[i + 11])) {
            i += 12;
            k = 2;
        }
        return k;
    }

    private boolean matches(String word, int at) {
        for (int k = 0; k < word.length(); k++) {
            if (s[at + k] != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static boolean quote(char c) {
        return c == '\'' || c == '"';
    }

    private boolean position() {
        if (!eat('[')) {
            return false;
        }
        for (int k = 0; k < 4; k++) {
            ws();
            if (k > 0) {
                if (!eat(',')) {
                    return false;
                }
                ws();
            }
            double v = number();
            if (Double.isNaN(v)) {
                return false;
            }
            coords[count * STRIDE + k] = v;
        }
        ws();
        return eat(']');
    }

    /** A plain number, or NaN when the text is anything else. */
    private double number() {
        int start = i;
        boolean negative = false;
        if (i < end && s[i] == '-') {
            negative = true;
            i++;
        }
        if (i >= end) {
            return Double.NaN;
        }
        char c = s[i];
        long m = 0;
        int digits = 0;
        if (c == '0') {
            i++;
        } else if (c >= '1' && c <= '9') {
            while (i < end && (c = s[i]) >= '0' && c <= '9') {
                m = m * 10 + (c - '0');
                if (++digits > 15) {
                    return Double.NaN;
                }
                i++;
            }
        } else {
            return Double.NaN;
        }
        int fraction = 0;
        if (i < end && s[i] == '.') {
            i++;
            while (i < end && (c = s[i]) >= '0' && c <= '9') {
                m = m * 10 + (c - '0');
                fraction++;
                if (++digits > 15) {
                    return Double.NaN;
                }
                i++;
            }
            if (fraction == 0) {
                return Double.NaN;
            }
        }
        if (i < end && ((c = s[i]) == 'e' || c == 'E' || (c >= '0' && c <= '9'))) {
            return Double.NaN; // exponent, or a leading zero followed by digits: the full path decides
        }
        if (fraction == 0) {
            if (m >= INT_LIMIT) {
                return Double.NaN;
            }
            return negative && m != 0 ? -(double) m : (double) m; // a Python int has no -0
        }
        double v = m / POW10[fraction];
        return negative ? -v : v;
    }

    private void ws() {
        while (i < end) {
            char c = s[i];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            i++;
        }
    }

    private boolean eat(char c) {
        if (i < end && s[i] == c) {
            i++;
            return true;
        }
        return false;
    }
}
