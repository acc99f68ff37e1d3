package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a template into text and tags as Jinja2 does with Hugging Face's chat-template settings ({@code trim_blocks},
 * {@code lstrip_blocks}, {@code keep_trailing_newline} off): newlines are normalised to {@code \n} and one trailing
 * newline dropped; {@code {%- }, {@code -%}} (and the same on {@code {{ }} and comments) strip all whitespace on that
 * side; a block or comment tag drops the newline right after it, and the spaces and tabs before it when only they
 * stand between the start of its line and the tag ({@code {%+} keeps them).
 */
final class TemplateLexer {
    enum Kind { TEXT, OUTPUT, BLOCK }

    /** A token inside a tag: NAME, STRING, INT, FLOAT or OP. */
    record Tok(String type, String text, Object value, int line) {
        boolean is(String op) {
            return type.equals("OP") && text.equals(op);
        }

        boolean isName(String name) {
            return type.equals("NAME") && text.equals(name);
        }
    }

    /** Text, or a tag's tokens. */
    record Segment(Kind kind, String text, List<Tok> toks, int line) {
    }

    private final String src;
    private final int[] newlines;
    private int pos;
    private final List<Segment> out = new ArrayList<>();

    private TemplateLexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        this.src = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        this.newlines = java.util.stream.IntStream.range(0, src.length()).filter(i -> src.charAt(i) == '\n').toArray();
    }

    static List<Segment> lex(String source) {
        TemplateLexer l = new TemplateLexer(source);
        l.run();
        return l.out;
    }

    /** Python's integers have no bound; ours are 64-bit, so a longer literal is refused rather than wrapped. */
    private static Tok integer(String num, int ln) {
        try {
            return new Tok("INT", num, Long.parseLong(num), ln);
        } catch (NumberFormatException tooLong) {
            throw new JinjaException("line " + ln + ": the integer " + (num.length() > 30 ? num.substring(0, 30) + "…" : num)
                    + " is beyond 64 bits");
        }
    }

    private int lineAt(int i) {
        int lo = 0, hi = newlines.length; // the count of newlines before i
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (newlines[mid] < i) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo + 1;
    }

    private void run() {
        int textStart = 0;
        boolean stripNext = false; // the previous tag ended with '-'
        while (true) {
            int t = nextTag(pos);
            if (t < 0) {
                text(textStart, src.length(), stripNext);
                return;
            }
            char kind = src.charAt(t + 1); // '{', '%' or '#'
            char mod = t + 2 < src.length() ? src.charAt(t + 2) : ' ';
            int textEnd = t;
            if (mod == '-') {
                while (textEnd > textStart && Character.isWhitespace(src.charAt(textEnd - 1))) {
                    textEnd--;
                }
            } else if (kind != '{' && mod != '+') { // lstrip_blocks: only blanks between the line start and the tag
                int ws = textEnd;
                while (ws > textStart && (src.charAt(ws - 1) == ' ' || src.charAt(ws - 1) == '\t')) {
                    ws--;
                }
                if (ws == 0 || src.charAt(ws - 1) == '\n') {
                    textEnd = ws;
                }
            }
            text(textStart, textEnd, stripNext);
            int line = lineAt(t);
            int inner = t + 2 + (mod == '-' || mod == '+' ? 1 : 0);
            boolean trimAfter;
            if (kind == '#') {
                int end = src.indexOf("#}", inner);
                if (end < 0) {
                    throw new JinjaException("line " + line + ": a comment is not closed (#})");
                }
                trimAfter = end > inner && src.charAt(end - 1) == '-';
                pos = end + 2;
            } else {
                List<Tok> toks = new ArrayList<>();
                trimAfter = tokens(inner, kind == '{' ? '}' : '%', toks, line);
                out.add(new Segment(kind == '{' ? Kind.OUTPUT : Kind.BLOCK, null, toks, line));
            }
            stripNext = trimAfter;
            if (!trimAfter && kind != '{' && pos < src.length() && src.charAt(pos) == '\n') {
                pos++; // trim_blocks
            }
            textStart = pos;
        }
    }

    private void text(int from, int to, boolean stripLeading) {
        int a = from;
        if (stripLeading) {
            while (a < to && Character.isWhitespace(src.charAt(a))) {
                a++;
            }
        }
        if (a < to) {
            out.add(new Segment(Kind.TEXT, src.substring(a, to), null, lineAt(a)));
        }
    }

    private int nextTag(int from) {
        for (int i = from; i + 1 < src.length(); i++) {
            if (src.charAt(i) == '{') {
                char c = src.charAt(i + 1);
                if (c == '{' || c == '%' || c == '#') {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Tokens from {@code i} to the tag's end ({@code close} then '}'), which sets {@link #pos} past it; returns whether
     * the end carried '-'.
     */
    private boolean tokens(int i, char close, List<Tok> toks, int line) {
        int depth = 0; // brackets open: a '}' inside them is an operator
        while (true) {
            while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
                i++;
            }
            if (i >= src.length()) {
                throw new JinjaException("line " + line + ": a tag is not closed");
            }
            char c = src.charAt(i);
            if (depth == 0) {
                if (c == '-' && src.startsWith(close + "}", i + 1)) {
                    pos = i + 3;
                    return true;
                }
                if (src.startsWith(close + "}", i)) {
                    pos = i + 2;
                    return false;
                }
            }
            int ln = lineAt(i);
            if (Character.isLetter(c) || c == '_') {
                int j = i + 1;
                while (j < src.length() && (Character.isLetterOrDigit(src.charAt(j)) || src.charAt(j) == '_')) {
                    j++;
                }
                toks.add(new Tok("NAME", src.substring(i, j), null, ln));
                i = j;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < src.length() && Character.isDigit(src.charAt(j))) {
                    j++;
                }
                boolean real = false;
                if (j + 1 < src.length() && src.charAt(j) == '.' && Character.isDigit(src.charAt(j + 1))) {
                    real = true;
                    j++;
                    while (j < src.length() && Character.isDigit(src.charAt(j))) {
                        j++;
                    }
                }
                if (j < src.length() && (src.charAt(j) == 'e' || src.charAt(j) == 'E')) {
                    int k = j + 1;
                    if (k < src.length() && (src.charAt(k) == '+' || src.charAt(k) == '-')) {
                        k++;
                    }
                    if (k < src.length() && Character.isDigit(src.charAt(k))) {
                        real = true;
                        j = k;
                        while (j < src.length() && Character.isDigit(src.charAt(j))) {
                            j++;
                        }
                    }
                }
                String num = src.substring(i, j);
                toks.add(real ? new Tok("FLOAT", num, Double.parseDouble(num), ln) : integer(num, ln));
                i = j;
            } else if (c == '\'' || c == '"') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (true) {
                    if (j >= src.length()) {
                        throw new JinjaException("line " + ln + ": a string is not closed");
                    }
                    char d = src.charAt(j);
                    if (d == c) {
                        break;
                    }
                    if (d == '\\' && j + 1 < src.length()) {
                        j = escape(j + 1, sb, ln);
                        continue;
                    }
                    sb.append(d);
                    j++;
                }
                String s = sb.toString();
                Tok prev = toks.isEmpty() ? null : toks.get(toks.size() - 1);
                if (prev != null && prev.type().equals("STRING")) { // adjacent literals join, as in Python
                    toks.set(toks.size() - 1, new Tok("STRING", prev.text(), prev.value() + s, prev.line()));
                } else {
                    toks.add(new Tok("STRING", s, s, ln));
                }
                i = j + 1;
            } else {
                String op = operator(i);
                if (op == null) {
                    throw new JinjaException("line " + ln + ": unexpected character '" + c + "'");
                }
                if (op.equals("(") || op.equals("[") || op.equals("{")) {
                    depth++;
                } else if (op.equals(")") || op.equals("]") || op.equals("}")) {
                    depth--;
                }
                toks.add(new Tok("OP", op, null, ln));
                i += op.length();
            }
        }
    }

    private static final String[] OPERATORS = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
        "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|"};

    private String operator(int i) {
        for (String op : OPERATORS) {
            if (src.startsWith(op, i)) {
                return op;
            }
        }
        return null;
    }

    /** A backslash escape at {@code i} (after the backslash), as Python reads it in a string literal. */
    private int escape(int i, StringBuilder sb, int line) {
        char e = src.charAt(i);
        switch (e) {
            case 'n' -> sb.append('\n');
            case 't' -> sb.append('\t');
            case 'r' -> sb.append('\r');
            case '0' -> sb.append('\0');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case '\\', '\'', '"' -> sb.append(e);
            case 'u', 'x' -> {
                int n = e == 'u' ? 4 : 2;
                if (i + 1 + n > src.length()) {
                    throw new JinjaException("line " + line + ": a bad \\" + e + " escape");
                }
                try {
                    sb.append((char) Integer.parseInt(src.substring(i + 1, i + 1 + n), 16));
                } catch (RuntimeException bad) {
                    throw new JinjaException("line " + line + ": a bad \\" + e + " escape");
                }
                return i + 1 + n;
            }
            case '\n' -> {
                // a backslash before a newline continues the string
            }
            default -> sb.append('\\').append(e);
        }
        return i + 1;
    }
}
