package org.visualrft.core.prompt.jinja;

import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyOps;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's semantics for the values a template sees: {@code null} is None, Long int, Double float, String str,
 * List list (and tuple), Map dict; truth, printing ({@code str}/{@code repr}), equality, ordering and arithmetic.
 */
final class PyValues {
    private PyValues() {
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python's {@code str(v)}; undefined prints as nothing. */
    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined) {
            return "";
        }
        return repr(v);
    }

    static String repr(Object v) {
        if (v == null) {
            return "None";
        }
        if (v instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (v instanceof Long l) {
            return l.toString();
        }
        if (v instanceof Double d) {
            return floatRepr(d);
        }
        if (v instanceof String s) {
            return stringRepr(s);
        }
        if (v instanceof List<?> l) {
            boolean tuple = v instanceof Tuple;
            StringBuilder b = new StringBuilder(tuple ? "(" : "[");
            for (int i = 0; i < l.size(); i++) {
                b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
            }
            return b.append(tuple && l.size() == 1 ? "," : "").append(tuple ? ')' : ']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("{");
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                b.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                first = false;
            }
            return b.append('}').toString();
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        return v.toString();
    }

    /** Python's {@code repr(float)}: the shortest digits, exponent form below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - bd.scale() - 1;
        String sign = d < 0 ? "-" : "";
        if (exp >= -4 && exp < 16) {
            String plain = bd.toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        int a = Math.abs(exp);
        return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
    }

    /** Python's {@code repr(str)}: single quotes unless the text holds one and no double quote. */
    static String stringRepr(String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(q);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c == q) {
                        b.append('\\').append((char) c);
                    } else if (printable(c)) {
                        b.appendCodePoint(c);
                    } else { // as Python escapes what str.isprintable() rejects
                        b.append(c < 0x100 ? String.format("\\x%02x", c) : c < 0x10000 ? String.format("\\u%04x", c)
                                : String.format("\\U%08x", c));
                    }
                }
            }
        });
        return b.append(q).toString();
    }

    /** Python's {@code str.isprintable()} for one code point: not Cc, Cf, Cs, Co, Cn, Zl, Zp, nor Zs but the space. */
    private static boolean printable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> false;
            case Character.SPACE_SEPARATOR -> c == ' ';
            default -> true;
        };
    }

    static boolean isNumber(Object v) {
        return PyOps.isNumber(v);
    }

    static boolean isInt(Object v) {
        return PyOps.isInt(v);
    }

    /** An int as a long (a count, an index); an int beyond 64 bits is an error here. */
    static long asLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Long l) {
            return l;
        }
        throw new JinjaException(v instanceof java.math.BigInteger ? "an integer too large here: " + v
                : "an integer is needed, not " + typeName(v));
    }

    static double asDouble(Object v) {
        try {
            return PyOps.toDouble(v);
        } catch (PyError e) {
            throw new JinjaException("a number is needed, not " + typeName(v));
        }
    }

    /** Python's {@code ==} ({@link PyOps#eq}: int and float exactly, lists and dicts deeply); undefined equals undefined. */
    static boolean eq(Object a, Object b) {
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        return PyOps.eq(a, b);
    }

    /** Python's ordering operators ({@link PyOps#compare}: exact int/float, code points, lists); else an error. */
    static boolean compare(Object a, Object b, PyOps.Cmp op) {
        try {
            return PyOps.compare(a, b, op);
        } catch (PyError e) {
            throw new JinjaException("'" + op + "' not supported between " + typeName(a) + " and " + typeName(b));
        }
    }

    /** A sort order by Python's {@code <}. */
    static int order(Object a, Object b) {
        return compare(a, b, PyOps.Cmp.LT) ? -1 : compare(b, a, PyOps.Cmp.LT) ? 1 : 0;
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long || v instanceof java.math.BigInteger) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined u) {
            return "undefined ('" + u.name() + "')";
        }
        return v.getClass().getSimpleName();
    }

    /** The items a for loop or a filter walks: a list's, a dict's keys, a string's characters; undefined: none. */
    static List<Object> iterate(Object v) {
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>();
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        throw new JinjaException("'" + typeName(v) + "' object is not iterable");
    }

    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (!(item instanceof String t)) {
                throw new JinjaException("'in <string>' requires string as left operand, not " + typeName(item));
            }
            return s.contains(t);
        }
        if (container instanceof Map<?, ?> m) {
            for (Object k : m.keySet()) {
                if (eq(k, item)) {
                    return true;
                }
            }
            return false;
        }
        for (Object x : iterate(container)) {
            if (eq(x, item)) {
                return true;
            }
        }
        return false;
    }

    static Object arithmetic(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (op.equals("+")) {
            if (a instanceof String x && b instanceof String y) {
                return concat(x, y);
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                requireSize((long) x.size() + y.size());
                List<Object> out = new ArrayList<>(x);
                out.addAll(y);
                return out;
            }
        }
        if (op.equals("*") && isInt(b) && (a instanceof String || a instanceof List)) {
            return repeat(a, asLong(b));
        }
        if (op.equals("*") && isInt(a) && (b instanceof String || b instanceof List)) {
            return repeat(b, asLong(a));
        }
        if (!isNumber(a) || !isNumber(b)) {
            throw new JinjaException("unsupported operand types for " + op + ": '" + typeName(a) + "' and '"
                    + typeName(b) + "'");
        }
        boolean ints = isInt(a) && isInt(b);
        try {
            switch (op) { // exact Python arithmetic: ints grow past 64 bits, true division correctly rounded
                case "+" -> {
                    return PyOps.add(a, b);
                }
                case "-" -> {
                    return PyOps.sub(a, b);
                }
                case "*" -> {
                    return PyOps.mul(a, b);
                }
                case "/" -> {
                    return PyOps.truediv(a, b);
                }
                default -> {
                    // below
                }
            }
        } catch (PyError e) {
            throw new JinjaException(e.getMessage() + " in " + typeName(a) + " " + op + " " + typeName(b));
        }
        switch (op) {
            case "//" -> {
                requireNonZero(b);
                return ints ? (Object) Math.floorDiv(asLong(a), asLong(b)) : Math.floor(asDouble(a) / asDouble(b));
            }
            case "%" -> {
                requireNonZero(b);
                if (ints) {
                    return Math.floorMod(asLong(a), asLong(b));
                }
                double x = asDouble(a), y = asDouble(b);
                return x - y * Math.floor(x / y);
            }
            case "**" -> {
                if (ints && asLong(b) >= 0) { // an exact int, as Python's, up to 100,000 bits
                    long x = asLong(a), e = asLong(b);
                    if (x == 0 || x == 1) {
                        return e == 0 ? 1L : x;
                    }
                    if (x == -1) {
                        return e % 2 == 0 ? 1L : -1L;
                    }
                    java.math.BigInteger base = java.math.BigInteger.valueOf(x);
                    if (e > 100_000 || (long) base.bitLength() * e > 100_000) {
                        throw new JinjaException("an integer power too large: " + a + " ** " + b);
                    }
                    return PyOps.normalize(base.pow((int) e));
                }
                return Math.pow(asDouble(a), asDouble(b));
            }
            default -> throw new JinjaException("unknown operator " + op);
        }
    }

    private static void requireNonZero(Object b) {
        if (asDouble(b) == 0) {
            throw new JinjaException("division by zero");
        }
    }

    /** {@code a + b} of strings, refused past the output bound (a loop that doubles a string would exhaust memory). */
    static String concat(String a, String b) {
        requireSize((long) a.length() + b.length());
        return a + b;
    }

    /** A string or list of {@code size} items, refused past {@link Renderer#MAX_OUTPUT}. */
    static void requireSize(long size) {
        if (size > Renderer.MAX_OUTPUT) {
            throw new JinjaException("a string or list of " + size + " items passes the bound of "
                    + (Renderer.MAX_OUTPUT >> 20) + " Mi");
        }
    }

    /** A count of characters (an indent's width): below 0 is none, as {@code ' ' * -1} is in Python. */
    static int width(Object v) {
        long n = asLong(v);
        requireSize(n);
        return (int) Math.max(0, n);
    }

    private static Object repeat(Object seq, long n) {
        long length = seq instanceof String s ? s.length() : ((List<?>) seq).size();
        if (n <= 0 || length == 0) {
            return seq instanceof String ? "" : new ArrayList<>();
        }
        if (n > Renderer.MAX_OUTPUT || length * n > Renderer.MAX_OUTPUT) { // the first test keeps the product in range
            long size = n > Renderer.MAX_OUTPUT ? n : length * n;
            throw new JinjaException("a repetition of " + size + " items");
        }
        if (seq instanceof String s) {
            return s.repeat((int) n);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.addAll((List<?>) seq);
        }
        return out;
    }

    /** Python's index of {@code i} into a sequence of {@code n} (negative from the end), or -1 when outside. */
    static int index(long i, int n) {
        long j = i < 0 ? i + n : i;
        return j < 0 || j >= n ? -1 : (int) j;
    }

    /** Python's slice of a list or string. */
    static Object slice(Object seq, Object start, Object stop, Object step) {
        List<Object> items;
        if (seq instanceof String s) {
            items = iterate(s);
        } else if (seq instanceof List<?> l) {
            items = new ArrayList<>(l);
        } else {
            throw new JinjaException("'" + typeName(seq) + "' object is not subscriptable");
        }
        int n = items.size();
        long st = step == null ? 1 : asLong(step);
        if (st == 0) {
            throw new JinjaException("slice step cannot be zero");
        }
        long lo, hi;
        if (st > 0) {
            lo = start == null ? 0 : clamp(asLong(start), n, 0, n);
            hi = stop == null ? n : clamp(asLong(stop), n, 0, n);
        } else {
            lo = start == null ? n - 1 : clamp(asLong(start), n, -1, n - 1);
            hi = stop == null ? -1 : clamp(asLong(stop), n, -1, n - 1);
        }
        List<Object> out = new ArrayList<>();
        for (long i = lo; st > 0 ? i < hi : i > hi; i += st) {
            out.add(items.get((int) i));
        }
        if (seq instanceof String) {
            StringBuilder b = new StringBuilder();
            out.forEach(b::append);
            return b.toString();
        }
        return out;
    }

    private static long clamp(long i, int n, long min, long max) {
        long j = i < 0 ? i + n : i;
        return Math.max(min, Math.min(max, j));
    }
}
