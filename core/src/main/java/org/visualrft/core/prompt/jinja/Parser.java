package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.visualrft.core.prompt.jinja.Node.Expr;
import org.visualrft.core.prompt.jinja.TemplateLexer.Kind;
import org.visualrft.core.prompt.jinja.TemplateLexer.Segment;
import org.visualrft.core.prompt.jinja.TemplateLexer.Tok;

/** Segments to statements, and each tag's tokens to an expression tree, with Jinja2's operator precedence. */
final class Parser {
    /**
     * Bound on nested brackets, operators and blocks: parsing recurses, so a template with thousands of nested
     * parentheses would otherwise overflow the stack (Jinja2 itself stops near a hundred, at Python's recursion limit).
     */
    static final int MAX_NESTING = 100;

    private final List<Segment> segments;
    private int nesting;
    private int seg;
    // the tag being read
    private List<Tok> toks;
    private int at;
    private int line;

    private Parser(List<Segment> segments) {
        this.segments = segments;
    }

    static List<Node> parse(String source) {
        Parser p = new Parser(TemplateLexer.lex(source));
        List<Node> body = p.body(Set.of());
        if (p.seg < p.segments.size()) {
            Segment s = p.segments.get(p.seg);
            throw new JinjaException("line " + s.line() + ": unexpected '" + s.toks().get(0).text() + "'");
        }
        return body;
    }

    /** Statements up to (not past) a block tag whose keyword is in {@code ends}; the end of input when empty. */
    private List<Node> body(Set<String> ends) {
        enter();
        try {
            return statements(ends);
        } finally {
            nesting--;
        }
    }

    private List<Node> statements(Set<String> ends) {
        List<Node> out = new ArrayList<>();
        while (seg < segments.size()) {
            Segment s = segments.get(seg);
            if (s.kind() == Kind.TEXT) {
                out.add(new Node.Text(s.text()));
                seg++;
                continue;
            }
            begin(s);
            if (s.kind() == Kind.OUTPUT) {
                Expr e = expression();
                finish();
                out.add(new Node.Output(e, s.line()));
                seg++;
                continue;
            }
            Tok kw = next();
            if (!kw.type().equals("NAME")) {
                throw error("a block tag starts with a keyword");
            }
            if (ends.contains(kw.text())) {
                return out; // the caller reads the tag
            }
            seg++;
            out.add(statement(kw.text()));
        }
        if (!ends.isEmpty()) {
            throw new JinjaException("the template ends inside a block: expected one of " + ends);
        }
        return out;
    }

    private Node statement(String kw) {
        switch (kw) {
            case "if" -> {
                return ifStatement();
            }
            case "for" -> {
                return forStatement();
            }
            case "set" -> {
                return setStatement();
            }
            case "macro" -> {
                return macro();
            }
            case "break", "continue" -> {
                finish();
                return new Node.LoopControl(kw.equals("break"));
            }
            case "generation" -> {
                finish();
                List<Node> b = body(Set.of("endgeneration"));
                endTag();
                return new Node.Block(b);
            }
            default -> throw error("'" + kw + "' is not supported in chat templates here");
        }
    }

    private Node ifStatement() {
        List<Expr> tests = new ArrayList<>();
        List<List<Node>> branches = new ArrayList<>();
        tests.add(expression());
        finish();
        List<Node> otherwise = List.of();
        while (true) {
            branches.add(body(Set.of("elif", "else", "endif")));
            String kw = tagKeyword();
            seg++;
            if (kw.equals("elif")) {
                tests.add(expression());
                finish();
            } else if (kw.equals("else")) {
                finish();
                otherwise = body(Set.of("endif"));
                tagKeyword();
                seg++;
                finish();
                break;
            } else {
                finish();
                break;
            }
        }
        return new Node.If(tests, branches, otherwise);
    }

    private Node forStatement() {
        int ln = line;
        List<String> targets = new ArrayList<>();
        targets.add(name());
        while (peek().is(",")) {
            next();
            targets.add(name());
        }
        if (!next().isName("in")) {
            throw error("expected 'in' in a for loop");
        }
        Expr iter = or();
        Expr filter = null;
        if (peek().isName("if")) {
            next();
            filter = expression();
        }
        if (peek().isName("recursive")) {
            throw error("recursive loops are not supported");
        }
        finish();
        List<Node> b = body(Set.of("else", "endfor"));
        List<Node> otherwise = List.of();
        if (tagKeyword().equals("else")) {
            seg++;
            finish();
            otherwise = body(Set.of("endfor"));
            tagKeyword();
        }
        seg++;
        finish();
        return new Node.For(targets, iter, filter, b, otherwise, ln);
    }

    private Node setStatement() {
        int ln = line;
        List<String> targets = new ArrayList<>();
        targets.add(name());
        String attr = null;
        if (peek().is(".")) {
            next();
            attr = name();
        }
        while (peek().is(",")) {
            next();
            targets.add(name());
        }
        if (peek().is("=")) {
            next();
            Expr value = tupleOrExpression();
            finish();
            return new Node.Set(targets, attr, value, null, ln);
        }
        if (attr != null || targets.size() > 1) {
            throw error("expected '=' in set");
        }
        finish();
        List<Node> block = body(Set.of("endset"));
        endTag();
        return new Node.Set(targets, null, null, block, ln);
    }

    private Node macro() {
        String name = name();
        expect("(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().is(")")) {
            params.add(name());
            if (peek().is("=")) {
                next();
                defaults.add(expression());
            } else {
                defaults.add(null);
            }
            if (!peek().is(",")) {
                break;
            }
            next();
        }
        expect(")");
        finish();
        List<Node> b = body(Set.of("endmacro"));
        endTag();
        return new Node.Macro(name, params, defaults, b);
    }

    /** Reads the end tag the body stopped at (its keyword already matched) and any name after it. */
    private void endTag() {
        tagKeyword();
        seg++;
        if (at < toks.size() && toks.get(at).type().equals("NAME")) {
            at++; // {% endmacro name %}
        }
        finish();
    }

    /** The keyword of the block tag at the current segment, with the tag made current. */
    private String tagKeyword() {
        Segment s = segments.get(seg);
        begin(s);
        return next().text();
    }

    private void begin(Segment s) {
        toks = s.toks();
        at = 0;
        line = s.line();
    }

    private void finish() {
        if (at < toks.size()) {
            throw error("unexpected '" + toks.get(at).text() + "'");
        }
    }

    private Tok peek() {
        return at < toks.size() ? toks.get(at) : new Tok("END", "end of tag", null, line);
    }

    private Tok next() {
        Tok t = peek();
        if (t.type().equals("END")) {
            throw error("unexpected end of tag");
        }
        at++;
        return t;
    }

    private String name() {
        Tok t = next();
        if (!t.type().equals("NAME")) {
            throw error("expected a name, got '" + t.text() + "'");
        }
        return t.text();
    }

    private void expect(String op) {
        Tok t = next();
        if (!t.is(op)) {
            throw error("expected '" + op + "', got '" + t.text() + "'");
        }
    }

    private JinjaException error(String what) {
        return new JinjaException("line " + line + ": " + what);
    }

    // ---- expressions, lowest precedence first (jinja2.parser) ----

    /** {@code a, b} without brackets is a tuple (a list here), as in {@code {% set a = 1, 2 %}}. */
    private Expr tupleOrExpression() {
        Expr first = expression();
        if (!peek().is(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (peek().is(",")) {
            next();
            items.add(expression());
        }
        return new Node.ListExpr(items, true);
    }

    Expr expression() {
        enter();
        try {
            return conditional();
        } finally {
            nesting--;
        }
    }

    /** One level deeper in the template's nesting, refused past {@link #MAX_NESTING}. */
    private void enter() {
        if (++nesting > MAX_NESTING) {
            throw error("the template nests more than " + MAX_NESTING + " levels deep");
        }
    }

    private Expr conditional() {
        Expr e = or();
        while (peek().isName("if")) {
            next();
            Expr test = or();
            Expr otherwise = null;
            if (peek().isName("else")) {
                next();
                otherwise = expression();
            }
            e = new Node.Conditional(test, e, otherwise);
        }
        return e;
    }

    private Expr or() {
        Expr e = and();
        while (peek().isName("or")) {
            int ln = next().line();
            e = new Node.Binary("or", e, and(), ln);
        }
        return e;
    }

    private Expr and() {
        Expr e = not();
        while (peek().isName("and")) {
            int ln = next().line();
            e = new Node.Binary("and", e, not(), ln);
        }
        return e;
    }

    private Expr not() {
        if (peek().isName("not")) {
            int ln = next().line();
            enter();
            try {
                return new Node.Unary("not", not(), ln);
            } finally {
                nesting--;
            }
        }
        return compare();
    }

    private Expr compare() {
        Expr left = math1();
        Expr result = null;
        while (true) {
            Tok t = peek();
            String op;
            if (t.type().equals("OP") && Set.of("==", "!=", "<", ">", "<=", ">=").contains(t.text())) {
                op = t.text();
                next();
            } else if (t.isName("in")) {
                op = "in";
                next();
            } else if (t.isName("not") && at + 1 < toks.size() && toks.get(at + 1).isName("in")) {
                op = "notin";
                next();
                next();
            } else {
                break;
            }
            Expr right = math1();
            Expr pair = new Node.Binary(op, left, right, t.line());
            result = result == null ? pair : new Node.Binary("and", result, pair, t.line()); // a < b < c
            left = right;
        }
        return result == null ? left : result;
    }

    private Expr math1() {
        Expr e = concat();
        while (peek().is("+") || peek().is("-")) {
            Tok t = next();
            e = new Node.Binary(t.text(), e, concat(), t.line());
        }
        return e;
    }

    private Expr concat() {
        Expr e = math2();
        while (peek().is("~")) {
            Tok t = next();
            e = new Node.Binary("~", e, math2(), t.line());
        }
        return e;
    }

    private Expr math2() {
        Expr e = pow();
        while (peek().is("*") || peek().is("/") || peek().is("//") || peek().is("%")) {
            Tok t = next();
            e = new Node.Binary(t.text(), e, pow(), t.line());
        }
        return e;
    }

    private Expr pow() {
        Expr e = unary(true);
        while (peek().is("**")) {
            Tok t = next();
            e = new Node.Binary("**", e, unary(true), t.line());
        }
        return e;
    }

    private Expr unary(boolean withFilter) {
        Expr e;
        Tok t = peek();
        if (t.is("-") || t.is("+")) {
            next();
            enter();
            try {
                e = new Node.Unary(t.text(), unary(false), t.line());
            } finally {
                nesting--;
            }
        } else {
            e = postfix(primary());
        }
        return withFilter ? filters(e) : e;
    }

    private Expr primary() {
        Tok t = next();
        switch (t.type()) {
            case "NAME" -> {
                return switch (t.text()) {
                    case "true", "True" -> new Node.Literal(Boolean.TRUE);
                    case "false", "False" -> new Node.Literal(Boolean.FALSE);
                    case "none", "None" -> new Node.Literal(null);
                    default -> new Node.Name(t.text(), t.line());
                };
            }
            case "STRING", "INT", "FLOAT" -> {
                return new Node.Literal(t.value());
            }
            default -> {
                if (t.is("(")) {
                    if (peek().is(")")) {
                        next();
                        return new Node.ListExpr(List.of(), true);
                    }
                    Expr e = expression();
                    if (peek().is(",")) { // a tuple: a list here
                        List<Expr> items = new ArrayList<>(List.of(e));
                        while (peek().is(",")) {
                            next();
                            if (peek().is(")")) {
                                break;
                            }
                            items.add(expression());
                        }
                        e = new Node.ListExpr(items, true);
                    }
                    expect(")");
                    return e;
                }
                if (t.is("[")) {
                    List<Expr> items = new ArrayList<>();
                    while (!peek().is("]")) {
                        items.add(expression());
                        if (!peek().is(",")) {
                            break;
                        }
                        next();
                    }
                    expect("]");
                    return new Node.ListExpr(items, false);
                }
                if (t.is("{")) {
                    List<Expr> keys = new ArrayList<>();
                    List<Expr> values = new ArrayList<>();
                    while (!peek().is("}")) {
                        keys.add(expression());
                        expect(":");
                        values.add(expression());
                        if (!peek().is(",")) {
                            break;
                        }
                        next();
                    }
                    expect("}");
                    return new Node.DictExpr(keys, values);
                }
                throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private Expr postfix(Expr e) {
        while (true) {
            Tok t = peek();
            if (t.is(".")) {
                next();
                Tok n = next();
                if (n.type().equals("NAME")) {
                    e = new Node.Attr(e, n.text(), n.line());
                } else if (n.type().equals("INT")) {
                    e = new Node.Item(e, new Node.Literal(n.value()), n.line());
                } else {
                    throw error("expected a name after '.'");
                }
            } else if (t.is("[")) {
                next();
                e = subscript(e, t.line());
            } else if (t.is("(")) {
                next();
                e = call(e, t.line());
            } else {
                return e;
            }
        }
    }

    private Expr subscript(Expr obj, int ln) {
        Expr[] parts = new Expr[3];
        int part = 0;
        boolean slice = false;
        while (true) {
            if (peek().is("]")) {
                next();
                break;
            }
            if (peek().is(":")) {
                next();
                slice = true;
                part++;
                if (part > 2) {
                    throw error("a slice takes at most three parts");
                }
                continue;
            }
            parts[part] = expression();
        }
        if (!slice && parts[0] == null) {
            throw error("expected an index inside '[]'");
        }
        return slice ? new Node.Slice(obj, parts[0], parts[1], parts[2]) : new Node.Item(obj, parts[0], ln);
    }

    private Expr call(Expr fn, int ln) {
        List<Expr> args = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        readArgs(args, kwNames, kwValues);
        return new Node.Call(fn, args, kwNames, kwValues, ln);
    }

    /** Arguments up to and past ')': positional, then {@code name=value}. */
    private void readArgs(List<Expr> args, List<String> kwNames, List<Expr> kwValues) {
        while (!peek().is(")")) {
            if (peek().type().equals("NAME") && at + 1 < toks.size() && toks.get(at + 1).is("=")) {
                kwNames.add(next().text());
                next();
                kwValues.add(expression());
            } else {
                args.add(expression());
            }
            if (!peek().is(",")) {
                break;
            }
            next();
        }
        expect(")");
    }

    private Expr filters(Expr e) {
        while (true) {
            Tok t = peek();
            if (t.is("|")) {
                next();
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                List<String> kwNames = new ArrayList<>();
                List<Expr> kwValues = new ArrayList<>();
                if (peek().is("(")) {
                    next();
                    readArgs(args, kwNames, kwValues);
                }
                e = new Node.Filter(e, name, args, kwNames, kwValues, t.line());
            } else if (t.isName("is")) {
                next();
                boolean negated = false;
                if (peek().isName("not")) {
                    next();
                    negated = true;
                }
                String name = dottedName();
                List<Expr> args = new ArrayList<>();
                Tok a = peek();
                if (a.is("(")) {
                    next();
                    readArgs(args, new ArrayList<>(), new ArrayList<>());
                } else if ((Set.of("NAME", "STRING", "INT", "FLOAT").contains(a.type()) || a.is("[") || a.is("{"))
                        && !a.isName("else") && !a.isName("or") && !a.isName("and")) {
                    args.add(postfix(primary())); // `x is divisibleby 3`, as jinja2 reads a bare argument
                }
                e = new Node.Test(e, name, args, negated, t.line());
            } else if (t.is("(")) {
                next();
                e = call(e, t.line());
            } else {
                return e;
            }
        }
    }

    private String dottedName() {
        StringBuilder n = new StringBuilder(name());
        while (peek().is(".")) {
            next();
            n.append('.').append(name());
        }
        return n.toString();
    }
}
