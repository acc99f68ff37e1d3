package org.visualrft.core.answer.py;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Python 3 operators on the values {@link PyJson} produces: exact int arithmetic, int/float mixing with
 * {@code OverflowError}, correctly rounded true division, {@code ZeroDivisionError}, exact int-float comparison,
 * {@code bool} as an int, lexicographic list and code-point string ordering, and {@code TypeError} for everything
 * Python refuses. The original rewards' arithmetic runs through these, so every value and every exception matches.
 */
public final class PyOps {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final long EXACT_DOUBLE = 1L << 53;

    private PyOps() {
    }

    /** Comparison operators. */
    public enum Cmp { LT, LE, GT, GE }

    /** A BigInteger as a Long when it fits (the canonical int representation). */
    public static Object normalize(BigInteger b) {
        return b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0 ? (Object) b.longValue() : b;
    }

    public static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Boolean || o instanceof BigInteger;
    }

    public static boolean isNumber(Object o) {
        return o instanceof Double || isInt(o);
    }

    private static long asLong(Object o) {
        return o instanceof Boolean b ? (b ? 1L : 0L) : (Long) o;
    }

    private static BigInteger asBig(Object o) {
        return o instanceof BigInteger b ? b : BigInteger.valueOf(asLong(o));
    }

    /** Python's {@code float(x)} for a number; OverflowError for an int beyond the double range. */
    public static double toDouble(Object o) {
        if (o instanceof Double d) {
            return d;
        }
        if (o instanceof BigInteger b) {
            double d = b.doubleValue();
            if (Double.isInfinite(d)) {
                throw PyError.OVERFLOW;
            }
            return d;
        }
        if (o instanceof Long || o instanceof Boolean) {
            return asLong(o);
        }
        throw PyError.TYPE;
    }

    public static Object sub(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            requireNumbers(a, b);
            return toDouble(a) - toDouble(b);
        }
        requireNumbers(a, b);
        if (!(a instanceof BigInteger) && !(b instanceof BigInteger)) {
            long x = asLong(a);
            long y = asLong(b);
            long r = x - y;
            if (((x ^ y) & (x ^ r)) >= 0) {
                return r;
            }
        }
        return normalize(asBig(a).subtract(asBig(b)));
    }

    public static Object add(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            requireNumbers(a, b);
            return toDouble(a) + toDouble(b);
        }
        requireNumbers(a, b);
        if (!(a instanceof BigInteger) && !(b instanceof BigInteger)) {
            long x = asLong(a);
            long y = asLong(b);
            long r = x + y;
            if (((x ^ r) & (y ^ r)) >= 0) {
                return r;
            }
        }
        return normalize(asBig(a).add(asBig(b)));
    }

    /** Multiplication of two numbers (the original never multiplies anything else: its factors are differences). */
    public static Object mul(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            requireNumbers(a, b);
            return toDouble(a) * toDouble(b);
        }
        requireNumbers(a, b);
        if (!(a instanceof BigInteger) && !(b instanceof BigInteger)) {
            long x = asLong(a);
            long y = asLong(b);
            long hi = Math.multiplyHigh(x, y);
            long lo = x * y;
            if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
                return lo;
            }
        }
        return normalize(asBig(a).multiply(asBig(b)));
    }

    /** Python's {@code a / b}: always a float, correctly rounded for ints, ZeroDivisionError for a zero divisor. */
    public static double truediv(Object a, Object b) {
        requireNumbers(a, b);
        if (a instanceof Double || b instanceof Double) {
            double y = toDouble(b);
            double x = toDouble(a);
            if (y == 0.0) {
                throw PyError.ZERO_DIVISION;
            }
            return x / y;
        }
        if (!(a instanceof BigInteger) && !(b instanceof BigInteger)) {
            long x = asLong(a);
            long y = asLong(b);
            if (y == 0) {
                throw PyError.ZERO_DIVISION;
            }
            if (Math.abs(x) <= EXACT_DOUBLE && Math.abs(y) <= EXACT_DOUBLE) {
                return (double) x / (double) y;
            }
        }
        return bigDivide(asBig(a), asBig(b));
    }

    /** Correctly rounded p/q (round half even), as CPython's long true division. */
    static double bigDivide(BigInteger p, BigInteger q) {
        if (q.signum() == 0) {
            throw PyError.ZERO_DIVISION;
        }
        if (p.signum() == 0) {
            return q.signum() < 0 ? -0.0 : 0.0;
        }
        boolean negative = p.signum() != q.signum();
        p = p.abs();
        q = q.abs();
        // scale so the integer quotient has at least 55 bits; a sticky bit keeps rounding exact
        int shift = 55 - (p.bitLength() - q.bitLength());
        BigInteger num = shift > 0 ? p.shiftLeft(shift) : p;
        BigInteger den = shift < 0 ? q.shiftLeft(-shift) : q;
        BigInteger[] qr = num.divideAndRemainder(den);
        BigInteger quotient = qr[0];
        if (qr[1].signum() != 0) {
            quotient = quotient.setBit(0);
        }
        double r;
        int e = quotient.bitLength() - shift; // result is in [2^(e-1), 2^e)
        if (e < -1021) {
            // subnormal result: round once, at the subnormal precision
            r = new BigDecimal(p).divide(new BigDecimal(q), new java.math.MathContext(1100)).doubleValue();
        } else {
            r = Math.scalb(quotient.doubleValue(), -shift);
        }
        if (Double.isInfinite(r)) {
            throw PyError.OVERFLOW;
        }
        return negative ? -r : r;
    }

    private static void requireNumbers(Object a, Object b) {
        if (!isNumber(a) || !isNumber(b)) {
            throw PyError.TYPE;
        }
    }

    /** {@code a op b} for ordering operators; TypeError where Python has no ordering. */
    public static boolean compare(Object a, Object b, Cmp op) {
        if (isNumber(a) && isNumber(b)) {
            int c = numberCompare(a, b);
            if (c == UNORDERED) {
                return false;
            }
            return apply(c, op);
        }
        if (a instanceof String x && b instanceof String y) {
            return apply(compareCodePoints(x, y), op);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            int k = Math.min(x.size(), y.size());
            for (int i = 0; i < k; i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op);
                }
            }
            return apply(Integer.compare(x.size(), y.size()), op);
        }
        throw PyError.TYPE;
    }

    private static boolean apply(int c, Cmp op) {
        return switch (op) {
            case LT -> c < 0;
            case LE -> c <= 0;
            case GT -> c > 0;
            case GE -> c >= 0;
        };
    }

    public static boolean lt(Object a, Object b) {
        return compare(a, b, Cmp.LT);
    }

    public static boolean gt(Object a, Object b) {
        return compare(a, b, Cmp.GT);
    }

    /** Python's {@code max(a, b)}: b only if {@code b > a}. */
    public static Object max(Object a, Object b) {
        return compare(b, a, Cmp.GT) ? b : a;
    }

    /** Python's {@code min(a, b)}: b only if {@code b < a}. */
    public static Object min(Object a, Object b) {
        return compare(b, a, Cmp.LT) ? b : a;
    }

    static final int UNORDERED = 2;

    /** -1, 0, 1 exactly, or {@link #UNORDERED} when a NaN is involved. */
    static int numberCompare(Object a, Object b) {
        boolean da = a instanceof Double;
        boolean db = b instanceof Double;
        if (da && db) {
            double x = (Double) a;
            double y = (Double) b;
            if (x != x || y != y) {
                return UNORDERED;
            }
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (!da && !db) {
            if (a instanceof BigInteger || b instanceof BigInteger) {
                return asBig(a).compareTo(asBig(b));
            }
            return Long.compare(asLong(a), asLong(b));
        }
        if (da) {
            int c = intVsDouble(b, (Double) a);
            return c == UNORDERED ? c : -c;
        }
        return intVsDouble(a, (Double) b);
    }

    private static int intVsDouble(Object i, double d) {
        if (d != d) {
            return UNORDERED;
        }
        if (d == Double.POSITIVE_INFINITY) {
            return -1;
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return 1;
        }
        if (!(i instanceof BigInteger)) {
            long x = asLong(i);
            if (Math.abs(x) <= EXACT_DOUBLE) {
                double dx = x;
                return dx < d ? -1 : (dx > d ? 1 : 0);
            }
        }
        return new BigDecimal(asBig(i)).compareTo(new BigDecimal(d));
    }

    /** Code-point order of two strings (Java's compareTo orders UTF-16 units, which differs above U+D7FF). */
    public static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return x < y ? -1 : 1;
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        boolean ra = i < a.length();
        boolean rb = j < b.length();
        return ra == rb ? 0 : (ra ? 1 : -1);
    }

    /** {@code PyObject_RichCompareBool(a, b, Py_EQ)}: identity first (so the shared NaN equals itself), then ==. */
    public static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (isNumber(a) && isNumber(b)) {
            return numberCompare(a, b) == 0;
        }
        if (a instanceof String x && b instanceof String y) {
            return x.equals(y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (int i = 0; i < x.size(); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !eq(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /** Python's {@code len(x)} for the JSON container types; TypeError otherwise. */
    public static int len(Object o) {
        if (o instanceof List<?> l) {
            return l.size();
        }
        if (o instanceof Map<?, ?> m) {
            return m.size();
        }
        if (o instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        throw PyError.TYPE;
    }

    /** The items {@code for x in o} yields (list items, dict keys, string characters); TypeError otherwise. */
    public static List<Object> iterate(Object o) {
        if (o instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> items = (List<Object>) l;
            return items;
        }
        if (o instanceof Map<?, ?> m) {
            return new java.util.ArrayList<>(m.keySet());
        }
        if (o instanceof String s) {
            java.util.ArrayList<Object> chars = new java.util.ArrayList<>();
            for (Iterator<Integer> it = s.codePoints().iterator(); it.hasNext(); ) {
                chars.add(new String(Character.toChars(it.next())));
            }
            return chars;
        }
        throw PyError.TYPE;
    }

    /** {@code o[key]} for a string key: a dict lookup (KeyError when absent); TypeError for any other type. */
    public static Object getItem(Object o, String key) {
        if (o instanceof Map<?, ?> m) {
            Object v = m.get(key);
            if (v == null) {
                throw PyError.KEY;
            }
            return v;
        }
        throw PyError.TYPE;
    }

    /** Python's {@code type(x) == dict}. */
    public static boolean isDict(Object o) {
        return o instanceof Map<?, ?>;
    }

    /** {@code x[0]}: list/str index (IndexError when empty), dict lookup of the int 0 (always KeyError). */
    public static Object first(Object o) {
        if (o instanceof List<?> l) {
            if (l.isEmpty()) {
                throw PyError.INDEX;
            }
            return l.get(0);
        }
        if (o instanceof String s) {
            if (s.isEmpty()) {
                throw PyError.INDEX;
            }
            return new String(Character.toChars(s.codePointAt(0)));
        }
        if (o instanceof Map<?, ?>) {
            throw PyError.KEY;
        }
        throw PyError.TYPE;
    }

    /**
     * A key equal, under Java equals/hashCode, exactly when Python's hash-and-== makes two hashable values equal:
     * numbers (bool, int, float) as a Double when their value is a double up to 2^53 in magnitude (-0.0 as 0.0),
     * as a BigInteger when integral and larger, as the Double otherwise; the shared NaN as one key (every NaN the
     * decoder makes is one object, so Python finds them equal); strings and None as themselves. TypeError for
     * unhashable values (list, dict).
     */
    public static Object hashKey(Object o) {
        if (o instanceof Long l) {
            long v = l;
            if (Math.abs(v) <= EXACT_DOUBLE) {
                return (double) v == 0.0 ? ZERO : (Object) (double) v;
            }
            return BigInteger.valueOf(v);
        }
        if (o instanceof Boolean b) {
            return b ? ONE : ZERO;
        }
        if (o instanceof BigInteger b) {
            return b.bitLength() <= 53 ? (Object) b.doubleValue() : b;
        }
        if (o instanceof Double d) {
            double v = d;
            if (v != v) {
                return d == PyJson.NAN ? NAN_KEY : new Object(); // a foreign NaN equals nothing but itself
            }
            if (v == 0.0) {
                return ZERO;
            }
            if (Math.abs(v) > EXACT_DOUBLE && !Double.isInfinite(v)) {
                return new BigDecimal(v).toBigIntegerExact(); // every double this large is integral
            }
            return d;
        }
        if (o instanceof String || o == PyNone.NONE) {
            return o;
        }
        throw PyError.TYPE;
    }

    private static final Double ZERO = 0.0;
    private static final Double ONE = 1.0;
    private static final Object NAN_KEY = new Object();
}
