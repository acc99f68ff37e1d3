package org.visualrft.core.answer;

import java.util.Locale;

/**
 * Python 3 {@code str} semantics that the original reward code relies on and Java does differently:
 * the whitespace set of {@code str.isspace()} / regex {@code \s}, {@code strip()}, full Unicode {@code lower()},
 * Unicode decimal digits ({@code \d}, {@code int()}), code-point substring tests and code-point lengths.
 */
public final class PythonText {
    private PythonText() {
    }

    /**
     * Python's {@code str.isspace()} (also what {@code re}'s {@code \s} and {@code str.strip()} use): bidi classes
     * WS/B/S or category Zs. Includes U+001C..U+001F, U+0085, U+00A0; excludes U+200B and U+FEFF.
     */
    public static boolean isSpace(int c) {
        if (c <= 0x20) {
            return c == 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
        }
        if (c < 0x85) {
            return false;
        }
        return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
                || c == 0x202f || c == 0x205f || c == 0x3000;
    }

    /** Python's {@code s.strip()} with no argument. (All Python whitespace is in the BMP, so chars suffice.) */
    public static String strip(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && isSpace(s.charAt(a))) {
            a++;
        }
        while (b > a && isSpace(s.charAt(b - 1))) {
            b--;
        }
        return a == 0 && b == s.length() ? s : s.substring(a, b);
    }

    /** Python's index of the first non-whitespace char at or after {@code from}. */
    public static int skipSpace(String s, int from, int to) {
        while (from < to && isSpace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    /** Python's {@code str.lower()}: full Unicode lower-casing with CPython's final-sigma rule; see {@link PythonLower}. */
    public static String lower(String s) {
        boolean upper = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                return PythonLower.lower(s);
            }
            upper |= c >= 'A' && c <= 'Z';
        }
        return upper ? s.toLowerCase(Locale.ROOT) : s;
    }

    /** Python's {@code needle in haystack} on code points (a match never splits a surrogate pair). */
    public static boolean contains(String haystack, String needle) {
        if (needle.isEmpty()) {
            return true;
        }
        int from = 0;
        while (true) {
            int i = haystack.indexOf(needle, from);
            if (i < 0) {
                return false;
            }
            int end = i + needle.length();
            boolean splitsStart = i > 0 && Character.isLowSurrogate(haystack.charAt(i))
                    && Character.isHighSurrogate(haystack.charAt(i - 1));
            boolean splitsEnd = end < haystack.length() && Character.isLowSurrogate(haystack.charAt(end))
                    && Character.isHighSurrogate(haystack.charAt(end - 1));
            if (!splitsStart && !splitsEnd) {
                return true;
            }
            from = i + 1;
        }
    }

    /** Python's {@code len(s)}: the number of code points. */
    public static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /**
     * The value of a Unicode decimal digit (category Nd, what Python's {@code \d} and {@code int()} accept), or -1.
     * Java 17 knows Unicode 13; CPython 3.11 knows Unicode 14, which added the Tangsa digits U+16AC0..U+16AC9.
     */
    public static int decimalValue(int cp) {
        if (cp >= '0' && cp <= '9') {
            return cp - '0';
        }
        if (cp < 0x80) {
            return -1;
        }
        if (cp >= 0x16AC0 && cp <= 0x16AC9) {
            return cp - 0x16AC0;
        }
        if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
            return Character.digit(cp, 10);
        }
        return -1;
    }
}
