package org.visualrft.core.answer;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code re.findall(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)\s*,\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", text)} as CPython runs it:
 * {@code \s} is Python's whitespace set and {@code \d} any Unicode decimal digit. Each match gives the four digit
 * strings as written. Hand-written because the pattern is deterministic (no backtracking can change a match) and
 * Java's classes differ from Python's.
 */
public final class CornerPairs {
    private CornerPairs() {
    }

    /** Every non-overlapping match, left to right. */
    public static List<String[]> findAll(String text) {
        List<String[]> out = new ArrayList<>(1);
        int n = text.length();
        int from = 0;
        while (from < n) {
            int open = text.indexOf('(', from);
            if (open < 0) {
                break;
            }
            String[] groups = new String[4];
            int end = match(text, open, groups);
            if (end < 0) {
                from = open + 1;
            } else {
                out.add(groups);
                from = end;
            }
        }
        return out;
    }

    /** Matches at {@code i} (a '('); returns the end index or -1. */
    private static int match(String s, int i, String[] g) {
        i = pair(s, i, g, 0);
        if (i < 0) {
            return -1;
        }
        i = PythonText.skipSpace(s, i, s.length());
        if (i >= s.length() || s.charAt(i) != ',') {
            return -1;
        }
        i = PythonText.skipSpace(s, i + 1, s.length());
        if (i >= s.length() || s.charAt(i) != '(') {
            return -1;
        }
        return pair(s, i, g, 2);
    }

    private static int pair(String s, int i, String[] g, int k) {
        int n = s.length();
        i = PythonText.skipSpace(s, i + 1, n);
        int a = digits(s, i);
        if (a == i) {
            return -1;
        }
        g[k] = s.substring(i, a);
        i = PythonText.skipSpace(s, a, n);
        if (i >= n || s.charAt(i) != ',') {
            return -1;
        }
        i = PythonText.skipSpace(s, i + 1, n);
        int b = digits(s, i);
        if (b == i) {
            return -1;
        }
        g[k + 1] = s.substring(i, b);
        i = PythonText.skipSpace(s, b, n);
        if (i >= n || s.charAt(i) != ')') {
            return -1;
        }
        return i + 1;
    }

    /**
     * Python's {@code int(digits)} for a matched digit string (any Unicode decimal digits): a Long or BigInteger.
     * Throws {@link org.visualrft.core.answer.py.PyError#VALUE} beyond 4300 digits, Python 3.11's conversion limit.
     */
    public static Object toInt(String digits) {
        int count = digits.codePointCount(0, digits.length());
        if (count > 4300) {
            throw org.visualrft.core.answer.py.PyError.VALUE;
        }
        if (count <= 18) {
            long v = 0;
            for (int i = 0; i < digits.length(); ) {
                int cp = digits.codePointAt(i);
                v = v * 10 + PythonText.decimalValue(cp);
                i += Character.charCount(cp);
            }
            return v;
        }
        StringBuilder ascii = new StringBuilder(count);
        for (int i = 0; i < digits.length(); ) {
            int cp = digits.codePointAt(i);
            ascii.append((char) ('0' + PythonText.decimalValue(cp)));
            i += Character.charCount(cp);
        }
        return org.visualrft.core.answer.py.PyOps.normalize(new java.math.BigInteger(ascii.toString()));
    }

    private static int digits(String s, int i) {
        int n = s.length();
        while (i < n) {
            int cp = s.codePointAt(i);
            if (PythonText.decimalValue(cp) < 0) {
                break;
            }
            i += Character.charCount(cp);
        }
        return i;
    }
}
