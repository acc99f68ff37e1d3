package org.visualrft.core.answer;

/**
 * CPython 3.11's {@code str.lower()}: each code point's full lower-case mapping (Unicode 14), and capital sigma
 * U+03A3 as final sigma exactly by CPython's rule ({@code handle_capital_sigma}): preceded by a cased character
 * (skipping case-ignorable ones) and not followed by one. Java's {@code toLowerCase} differs on both counts: its
 * tables are Unicode 13 and its final-sigma context treats e.g. digits and apostrophes differently (measured: 428 of
 * 20,000 random sigma strings). The exception tables below were derived by probing CPython over every code point.
 */
final class PythonLower {
    /** Case-ignorable in CPython 3.11 but not by Java 17's general categories (Unicode 14 marks), as ranges. */
    private static final int[] IGNORABLE_ADDED = {0x888, 0x888, 0x890, 0x891, 0x898, 0x89F, 0x8C9, 0x8D2, 0xC3C, 0xC3C,
        0x180F, 0x180F, 0x1AC1, 0x1ACE, 0x1DFA, 0x1DFA, 0xA7F2, 0xA7F4, 0xFBC2, 0xFBC2, 0x10780, 0x10785, 0x10787,
        0x107B0, 0x107B2, 0x107BA, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2, 0x1AFF0,
        0x1AFF3, 0x1AFF5, 0x1AFFB, 0x1AFFD, 0x1AFFE, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1E2AE, 0x1E2AE};
    /** Cased in CPython 3.11 but not in Java 17 (Unicode 14 letters), as ranges. */
    private static final int[] CASED_ADDED = {0x2C2F, 0x2C2F, 0x2C5F, 0x2C5F, 0xA7C0, 0xA7C1, 0xA7D0, 0xA7D1, 0xA7D3,
        0xA7D3, 0xA7D5, 0xA7D9, 0x10570, 0x1057A, 0x1057C, 0x1058A, 0x1058C, 0x10592, 0x10594, 0x10595, 0x10597, 0x105A1,
        0x105A3, 0x105B1, 0x105B3, 0x105B9, 0x105BB, 0x105BC, 0x1DF00, 0x1DF09, 0x1DF0B, 0x1DF1E};
    private static final int CAPITAL_SIGMA = 0x3A3;

    private PythonLower() {
    }

    static String lower(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 4);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            if (cp == CAPITAL_SIGMA) {
                sb.append(finalSigma(s, i) ? '\u03C2' : '\u03C3');
            } else if (cp == 0x130) {
                sb.append("i\u0307"); // the one unconditional multi-character lower-case mapping
            } else {
                sb.appendCodePoint(lowerCodePoint(cp));
            }
            i += Character.charCount(cp);
        }
        return sb.toString();
    }

    private static int lowerCodePoint(int cp) {
        if (cp == 0x2C2F) {
            return 0x2C5F;
        }
        if (cp == 0xA7C0 || cp == 0xA7D0 || cp == 0xA7D6 || cp == 0xA7D8) {
            return cp + 1;
        }
        if (cp >= 0x10570 && cp <= 0x10595 && cp != 0x1057B && cp != 0x1058B && cp != 0x10593) {
            return cp + 0x27; // Vithkuqi capitals (Unicode 14)
        }
        return Character.toLowerCase(cp);
    }

    private static boolean finalSigma(String s, int i) {
        int j = i;
        int c = -1;
        while (j > 0) {
            c = s.codePointBefore(j);
            j -= Character.charCount(c);
            if (!caseIgnorable(c)) {
                break;
            }
            c = -1;
        }
        if (c < 0 || !cased(c)) {
            return false;
        }
        j = i + 1;
        while (j < s.length()) {
            c = s.codePointAt(j);
            if (!caseIgnorable(c)) {
                return !cased(c);
            }
            j += Character.charCount(c);
        }
        return true;
    }

    static boolean cased(int c) {
        return Character.isLowerCase(c) || Character.isUpperCase(c) || Character.isTitleCase(c)
                || inRanges(CASED_ADDED, c);
    }

    static boolean caseIgnorable(int c) {
        if (c == 0x1734) {
            return false; // a spacing mark in Unicode 14, a non-spacing one in Java 17's tables
        }
        switch (Character.getType(c)) {
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.FORMAT, Character.MODIFIER_LETTER,
                    Character.MODIFIER_SYMBOL -> {
                return true;
            }
            default -> {
            }
        }
        return switch (c) {
            // Word_Break MidLetter, MidNumLet and Single_Quote
            case 0x27, 0x2E, 0x3A, 0xB7, 0x387, 0x55F, 0x5F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55,
                    0xFF07, 0xFF0E, 0xFF1A -> true;
            default -> inRanges(IGNORABLE_ADDED, c);
        };
    }

    private static boolean inRanges(int[] ranges, int c) {
        for (int k = 0; k < ranges.length; k += 2) {
            if (c >= ranges[k] && c <= ranges[k + 1]) {
                return true;
            }
        }
        return false;
    }
}
