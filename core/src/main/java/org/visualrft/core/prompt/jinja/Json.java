package org.visualrft.core.prompt.jinja;

import java.util.List;
import java.util.Map;

/** Python's {@code json.dumps(v, ensure_ascii=False[, indent=n])}: what Hugging Face's {@code tojson} filter writes. */
final class Json {
    private Json() {
    }

    /** {@code indent} below 0: one line with Python's separators {@code ", "} and {@code ": "}. */
    static String dumps(Object v, int indent) {
        StringBuilder b = new StringBuilder();
        write(v, indent, 0, b);
        return b.toString();
    }

    private static void write(Object v, int indent, int depth, StringBuilder b) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof Boolean x) {
            b.append(x ? "true" : "false");
        } else if (v instanceof Long x) {
            b.append(x);
        } else if (v instanceof Double d) {
            b.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : PyValues.floatRepr(d));
        } else if (v instanceof String s) {
            string(s, b);
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? "," : "");
                newline(indent, depth + 1, b, i > 0);
                write(l.get(i), indent, depth + 1, b);
            }
            newline(indent, depth, b, false);
            b.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ",");
                newline(indent, depth + 1, b, !first);
                Object k = e.getKey();
                string(k instanceof String s ? s : k == null ? "null" : k instanceof Boolean x ? (x ? "true" : "false")
                        : PyValues.repr(k), b);
                b.append(": ");
                write(e.getValue(), indent, depth + 1, b);
                first = false;
            }
            newline(indent, depth, b, false);
            b.append('}');
        } else if (v instanceof Undefined u) {
            throw new JinjaException("Object of type Undefined ('" + u.name() + "') is not JSON serializable");
        } else {
            throw new JinjaException("Object of type " + PyValues.typeName(v) + " is not JSON serializable");
        }
    }

    /** Between items: Python's ", " on one line, or a newline and the indent. */
    private static void newline(int indent, int depth, StringBuilder b, boolean afterComma) {
        if (indent < 0) {
            if (afterComma) {
                b.append(' ');
            }
            return;
        }
        PyValues.requireSize(b.length() + (long) indent * depth);
        b.append('\n').append(" ".repeat(indent * depth));
    }

    private static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            if ((i & 0xFFFF) == 0) {
                PyValues.requireSize(b.length() + (long) s.length() - i); // escapes only lengthen it
            }
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
