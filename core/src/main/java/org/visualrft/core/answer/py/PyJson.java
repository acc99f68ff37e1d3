package org.visualrft.core.answer.py;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code json.loads} of CPython 3.11 (the C scanner, strict mode), producing Python values as Java objects:
 * {@link PyNone#NONE}, {@link Boolean}, {@link Long} or {@link BigInteger} (Python int), {@link Double} (float),
 * {@link String}, {@link List} (list) and {@link LinkedHashMap} (dict; a duplicate key keeps its first position and
 * its last value, as {@code dict(pairs)} does).
 *
 * <p>Accepted and rejected exactly as Python does: {@code NaN}, {@code Infinity}, {@code -Infinity} are accepted
 * (every NaN is the one shared object, like the decoder's module constant, which matters for tuple equality);
 * leading zeros, {@code .9}, {@code 1.}, {@code +1}, trailing commas, single quotes, control characters inside strings,
 * a leading BOM and trailing data are rejected; integers of more than 4300 digits raise (Python 3.11's
 * {@code int} string limit). Nesting deeper than {@link #MAX_DEPTH} raises, where Python hits its recursion limit.
 * Errors are {@link PyError}; nothing else is thrown on any input.
 */
public final class PyJson {
    /** The NaN object every {@code NaN} literal decodes to. */
    public static final Double NAN = Double.NaN;
    /** Python's recursion limit (1000) less the frames above the decoder in the original call path. */
    public static final int MAX_DEPTH = 990;
    private static final int MAX_INT_DIGITS = 4300;
    private static final Boolean TRUE = Boolean.TRUE;
    private static final Boolean FALSE = Boolean.FALSE;

    private final String s;
    private final int n;
    private int depth;

    private PyJson(String s) {
        this.s = s;
        this.n = s.length();
    }

    /** {@code json.loads(text)}; throws {@link PyError} where Python raises. */
    public static Object loads(String text) {
        if (!text.isEmpty() && text.charAt(0) == '\ufeff') {
            throw PyError.JSON_DECODE;
        }
        PyJson p = new PyJson(text);
        int[] pos = {p.ws(0)};
        Object v = p.value(pos);
        if (p.ws(pos[0]) != p.n) {
            throw PyError.JSON_DECODE;
        }
        return v;
    }

    private int ws(int i) {
        while (i < n) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                break;
            }
            i++;
        }
        return i;
    }

    /**
     * One JSON value at pos[0]. Containers are parsed with an explicit stack, not recursion, so no nesting depth can
     * overflow the Java stack of whichever thread calls a reward.
     */
    private Object value(int[] pos) {
        java.util.ArrayDeque<Object> stack = null; // open containers: List or Map (with the pending key below it)
        Object result;
        while (true) {
            int i = pos[0];
            if (i >= n) {
                throw PyError.JSON_DECODE;
            }
            char c = s.charAt(i);
            Object v;
            if (c == '[' || c == '{') {
                if (++depth > MAX_DEPTH) {
                    throw PyError.RECURSION;
                }
                int j = ws(i + 1);
                boolean isList = c == '[';
                if (j < n && s.charAt(j) == (isList ? ']' : '}')) {
                    pos[0] = j + 1;
                    depth--;
                    v = isList ? new ArrayList<>(0) : new LinkedHashMap<>(4);
                } else {
                    if (stack == null) {
                        stack = new java.util.ArrayDeque<>();
                    }
                    if (isList) {
                        stack.push(new ArrayList<>(4));
                        pos[0] = j;
                    } else {
                        stack.push(new LinkedHashMap<String, Object>(4));
                        pos[0] = j;
                        stack.push(key(pos));
                    }
                    continue;
                }
            } else {
                v = scalar(pos, c);
            }
            // attach v to the innermost open container, closing containers as their ends are reached
            while (true) {
                if (stack == null || stack.isEmpty()) {
                    return v;
                }
                Object top = stack.peek();
                if (top instanceof String key) {
                    stack.pop();
                    @SuppressWarnings("unchecked")
                    Map<String, Object> map = (Map<String, Object>) stack.peek();
                    map.put(key, v);
                    int k = ws(pos[0]);
                    if (k < n && s.charAt(k) == ',') {
                        pos[0] = ws(k + 1);
                        stack.push(key(pos));
                        break;
                    }
                    if (k < n && s.charAt(k) == '}') {
                        pos[0] = k + 1;
                        depth--;
                        v = stack.pop();
                        continue;
                    }
                    throw PyError.JSON_DECODE;
                }
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) top;
                list.add(v);
                int k = ws(pos[0]);
                if (k < n && s.charAt(k) == ',') {
                    pos[0] = ws(k + 1);
                    break;
                }
                if (k < n && s.charAt(k) == ']') {
                    pos[0] = k + 1;
                    depth--;
                    v = stack.pop();
                    continue;
                }
                throw PyError.JSON_DECODE;
            }
        }
    }

    /** An object key and its colon; leaves pos[0] at the value. */
    private String key(int[] pos) {
        int i = pos[0];
        if (i >= n || s.charAt(i) != '"') {
            throw PyError.JSON_DECODE;
        }
        String key = string(pos);
        i = ws(pos[0]);
        if (i >= n || s.charAt(i) != ':') {
            throw PyError.JSON_DECODE;
        }
        pos[0] = ws(i + 1);
        return key;
    }

    private Object scalar(int[] pos, char c) {
        int i = pos[0];
        switch (c) {
            case '"':
                return string(pos);
            case 'n':
                return literal(pos, "null", PyNone.NONE);
            case 't':
                return literal(pos, "true", TRUE);
            case 'f':
                return literal(pos, "false", FALSE);
            case 'N':
                return literal(pos, "NaN", NAN);
            case 'I':
                return literal(pos, "Infinity", Double.POSITIVE_INFINITY);
            case '-':
                if (s.startsWith("-Infinity", i)) {
                    pos[0] = i + 9;
                    return Double.NEGATIVE_INFINITY;
                }
                return number(pos);
            default:
                return number(pos);
        }
    }

    private Object literal(int[] pos, String word, Object v) {
        if (!s.startsWith(word, pos[0])) {
            throw PyError.JSON_DECODE;
        }
        pos[0] += word.length();
        return v;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private Object number(int[] pos) {
        int start = pos[0];
        int i = start;
        if (s.charAt(i) == '-') {
            i++;
            if (i >= n) {
                throw PyError.JSON_DECODE;
            }
        }
        char c = s.charAt(i);
        if (c >= '1' && c <= '9') {
            i++;
            while (i < n && digit(s.charAt(i))) {
                i++;
            }
        } else if (c == '0') {
            i++;
        } else {
            throw PyError.JSON_DECODE;
        }
        boolean isFloat = false;
        if (i + 1 < n && s.charAt(i) == '.' && digit(s.charAt(i + 1))) {
            isFloat = true;
            i += 2;
            while (i < n && digit(s.charAt(i))) {
                i++;
            }
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            int eStart = i;
            i++;
            if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
                i++;
            }
            int digitsFrom = i;
            while (i < n && digit(s.charAt(i))) {
                i++;
            }
            if (i > digitsFrom) {
                isFloat = true;
            } else {
                i = eStart;
            }
        }
        pos[0] = i;
        if (isFloat) {
            return Double.parseDouble(s.substring(start, i));
        }
        int digits = i - start - (s.charAt(start) == '-' ? 1 : 0);
        if (digits <= 18) {
            return Long.parseLong(s, start, i, 10);
        }
        if (digits > MAX_INT_DIGITS) {
            throw PyError.VALUE;
        }
        return PyOps.normalize(new BigInteger(s.substring(start, i)));
    }

    private String string(int[] pos) {
        int i = pos[0] + 1;
        int chunk = i;
        StringBuilder sb = null;
        while (true) {
            if (i >= n) {
                throw PyError.JSON_DECODE;
            }
            char c = s.charAt(i);
            if (c == '"') {
                pos[0] = i + 1;
                if (sb == null) {
                    return known(chunk, i);
                }
                return sb.append(s, chunk, i).toString();
            }
            if (c < 0x20) {
                throw PyError.JSON_DECODE;
            }
            if (c != '\\') {
                i++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(s, chunk, i);
            i++;
            if (i >= n) {
                throw PyError.JSON_DECODE;
            }
            char e = s.charAt(i);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    int u = hex4(i + 1);
                    i += 4;
                    sb.append((char) u);
                }
                default -> throw PyError.JSON_DECODE;
            }
            i++;
            chunk = i;
        }
    }

    /** The common keys as shared constants (their hash is computed once), other text as a new string. */
    private String known(int from, int to) {
        int len = to - from;
        if (len == 8 && s.startsWith("Position", from)) {
            return "Position";
        }
        if (len == 10 && s.startsWith("Confidence", from)) {
            return "Confidence";
        }
        return s.substring(from, to);
    }

    private int hex4(int i) {
        if (i + 4 > n) {
            throw PyError.JSON_DECODE;
        }
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            char c = s.charAt(i + k);
            if (d < 0 || c > 'f') {
                throw PyError.JSON_DECODE;
            }
            v = v * 16 + d;
        }
        return v;
    }

}
