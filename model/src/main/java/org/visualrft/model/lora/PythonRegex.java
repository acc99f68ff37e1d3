package org.visualrft.model.lora;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Python {@code re} pattern (as PEFT's string {@code target_modules} and {@code exclude_modules} are) compiled into a
 * {@link Pattern} that matches the same strings. What the two dialects write differently is translated:
 * {@code (?P<name>…)} to {@code (?<name>…)}, Python's {@code \Z} (the very end) to Java's {@code \z}, {@code \v} (the
 * vertical tab), {@code \U0001F600}, {@code {,n}} and {@code {,}}, and a brace that opens no repetition (a literal in
 * Python).
 * Python's {@code .} and {@code $} know only {@code \n} as a line end and its {@code \w}, {@code \d} and {@code (?i)}
 * are Unicode-aware: the flags here say so. What Java cannot say alike, or reads otherwise, is refused
 * ({@link IllegalArgumentException} naming it): backreferences and octal escapes, conditionals, comments, verbose,
 * ASCII and locale flags, escapes that Python does not know ({@code \p}, {@code \Q}, {@code \h}, …) and {@code [} or
 * {@code &&} inside a set (Java nests and intersects sets there; Python reads them as characters).
 */
public final class PythonRegex {
    private static final Pattern REPEAT = Pattern.compile("\\{(\\d*)(,(\\d*))?\\}");

    private PythonRegex() {
    }

    /** The Java pattern that matches what {@code python} matches; its {@code matcher(s).matches()} is re.fullmatch. */
    public static Pattern compile(String python) {
        String java = translate(python);
        try {
            return Pattern.compile(java, Pattern.UNIX_LINES | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + python + "' is not a valid regular expression: "
                    + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""), e);
        }
    }

    /** How long one match may take: module names are short, so only catastrophic backtracking comes near it. */
    static long matchNanos = 2_000_000_000L; // not final: a test shortens it

    /**
     * {@code re.fullmatch(pattern, name)}, bounded in time: a nested repetition such as {@code ((.*)*)*x} backtracks
     * for hours on a 50-character name (in Python too), and an adapter folder's config must not hang a run. Past
     * {@link #matchNanos} an IllegalArgumentException says so.
     */
    public static boolean fullMatch(Pattern pattern, String name) {
        long deadline = System.nanoTime() + matchNanos;
        CharSequence timed = new CharSequence() { // the matcher reads every character through here
            private int reads;

            @Override
            public char charAt(int index) {
                if ((++reads & 0xFFF) == 0 && System.nanoTime() - deadline > 0) {
                    throw new IllegalArgumentException("'" + pattern.pattern() + "' takes more than "
                            + matchNanos / 1e9 + " s to match '" + name + "' (catastrophic backtracking:"
                            + " a repetition inside a repetition); write it without nested repeats");
                }
                return name.charAt(index);
            }

            @Override
            public int length() {
                return name.length();
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                return name.subSequence(start, end);
            }

            @Override
            public String toString() {
                return name;
            }
        };
        return pattern.matcher(timed).matches();
    }

    /** The Java spelling of {@code python}. */
    static String translate(String python) {
        StringBuilder out = new StringBuilder();
        boolean inSet = false;
        int i = 0;
        while (i < python.length()) {
            char c = python.charAt(i);
            if (c == '\\') {
                if (i + 1 >= python.length()) {
                    throw refused(python, "it ends in a lone backslash");
                }
                i = escape(python, i, inSet, out);
                continue;
            }
            if (inSet) {
                if (c == ']') {
                    inSet = false;
                } else if (c == '[') {
                    throw refused(python, "'[' inside a set is a character in Python and a nested set in Java:"
                            + " write \\[");
                } else if (c == '&' && i + 1 < python.length() && python.charAt(i + 1) == '&') {
                    throw refused(python, "'&&' inside a set is two characters in Python and an intersection in Java");
                }
                out.append(c);
                i++;
                continue;
            }
            if (c == '[') {
                inSet = true;
                out.append(c);
                i++;
                if (i < python.length() && python.charAt(i) == '^') {
                    out.append('^');
                    i++;
                }
                if (i < python.length() && python.charAt(i) == ']') { // a first ']' is a character in both
                    out.append(']');
                    i++;
                }
                continue;
            }
            if (c == '(' && python.startsWith("(?", i)) {
                i = group(python, i, out);
                continue;
            }
            if (c == '{') {
                Matcher m = REPEAT.matcher(python).region(i, python.length());
                if (m.lookingAt() && !(m.group(1).isEmpty() && m.group(2) == null)) { // "{}" repeats nothing
                    out.append('{').append(m.group(1).isEmpty() ? "0" : m.group(1));
                    if (m.group(2) != null) {
                        out.append(',').append(m.group(3));
                    }
                    out.append('}');
                    i = m.end();
                } else {
                    out.append("\\{"); // Python reads a '{' that opens no repetition as itself
                    i++;
                }
                continue;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** Appends the escape at {@code i} (a backslash) and returns the index after it. */
    private static int escape(String p, int i, boolean inSet, StringBuilder out) {
        char e = p.charAt(i + 1);
        if (!Character.isLetterOrDigit(e)) {
            out.append('\\').append(e);
            return i + 2;
        }
        switch (e) {
            case 'd', 'D', 's', 'S', 'w', 'W', 'a', 'f', 'n', 'r', 't' -> out.append('\\').append(e);
            case 'A', 'B' -> {
                if (inSet) {
                    throw refused(p, "\\" + e + " inside a set");
                }
                out.append('\\').append(e);
            }
            case 'b' -> out.append(inSet ? "\\x08" : "\\b"); // a backspace inside a set, as in Python
            case 'Z', 'z' -> {
                if (inSet) {
                    throw refused(p, "\\" + e + " inside a set");
                }
                out.append("\\z"); // Python's \Z is the very end of the text: Java's \z
            }
            case 'v' -> out.append("\\x0B"); // Python's vertical tab; Java's \v is a class of vertical spaces
            case 'x' -> {
                requireHex(p, i + 2, 2, "\\x");
                out.append(p, i, i + 4);
                return i + 4;
            }
            case 'u' -> {
                requireHex(p, i + 2, 4, "\\u");
                out.append(p, i, i + 6);
                return i + 6;
            }
            case 'U' -> {
                requireHex(p, i + 2, 8, "\\U");
                out.append("\\x{").append(p, i + 2, i + 10).append('}');
                return i + 10;
            }
            case 'N' -> {
                int close = p.indexOf('}', i);
                if (i + 2 >= p.length() || p.charAt(i + 2) != '{' || close < 0) {
                    throw refused(p, "\\N must be followed by {NAME}");
                }
                out.append(p, i, close + 1);
                return close + 1;
            }
            default -> throw refused(p, Character.isDigit(e) ? "backreferences and octal escapes (\\" + e
                    + ") are not supported" : "\\" + e + " is not an escape of Python's re (or means something else"
                    + " in Java)");
        }
        return i + 2;
    }

    private static void requireHex(String p, int from, int digits, String what) {
        if (from + digits > p.length() || !p.substring(from, from + digits).matches("[0-9A-Fa-f]+")) {
            throw refused(p, what + " must be followed by " + digits + " hex digits");
        }
    }

    /** Appends the group opening {@code (?…} at {@code i} and returns the index after it. */
    private static int group(String p, int i, StringBuilder out) {
        String rest = p.substring(i + 2);
        if (rest.startsWith("P<")) {
            int close = rest.indexOf('>');
            String name = close < 0 ? "" : rest.substring(2, close);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw refused(p, "a named group needs a name, (?P<name>…)");
            }
            // a name Java cannot spell (an underscore) becomes a plain group: names play no part in a match here
            out.append(name.matches("[A-Za-z][A-Za-z0-9]*") ? "(?<" + name + ">" : "(");
            return i + 2 + close + 1;
        }
        if (rest.startsWith("P=") || rest.startsWith("(")) {
            throw refused(p, rest.startsWith("(") ? "conditional groups (?(…)…) are not supported"
                    : "backreferences (?P=name) are not supported");
        }
        if (rest.startsWith("#")) {
            throw refused(p, "comments (?#…) are not supported");
        }
        if (rest.startsWith("<") && !rest.startsWith("<=") && !rest.startsWith("<!")) {
            throw refused(p, "named groups are written (?P<name>…) in Python");
        }
        if (rest.startsWith(":") || rest.startsWith("=") || rest.startsWith("!") || rest.startsWith("<")
                || rest.startsWith(">")) {
            out.append("(?");
            return i + 2;
        }
        Matcher flags = Pattern.compile("([aiLmsux]*)(-([imsx]*))?([:)])").matcher(rest);
        if (!flags.lookingAt()) {
            throw refused(p, "unknown group (?" + rest.charAt(0) + "…");
        }
        String on = flags.group(1);
        String off = flags.group(3) == null ? "" : flags.group(3);
        for (char f : (on + off).toCharArray()) {
            if (f == 'a' || f == 'L' || f == 'x') {
                throw refused(p, "the flag (?" + f + ") is not supported" + (f == 'x'
                        ? " (Java's verbose mode reads spaces inside sets otherwise)" : ""));
            }
        }
        on = on.replace("u", ""); // Unicode is Python's default for text, and the flags here say so
        if (on.isEmpty() && flags.group(2) == null) {
            out.append(flags.group(4).equals(":") ? "(?:" : "");
        } else {
            out.append("(?").append(on).append(flags.group(2) == null ? "" : "-" + off).append(flags.group(4));
        }
        return i + 2 + flags.end();
    }

    private static IllegalArgumentException refused(String python, String why) {
        return new IllegalArgumentException("'" + python + "': " + why);
    }
}
