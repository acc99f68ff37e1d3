package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.answer.py.PyOps;
import org.visualrft.core.prompt.jinja.Node.Expr;

/**
 * Renders parsed statements: variables live in frames (a for loop's body gets a fresh frame per iteration, so a
 * {@code set} inside it is gone after it, as in Jinja2; a macro call gets its own), lookups walk outwards, and a name
 * found nowhere is {@link Undefined}.
 */
final class Renderer {
    private static final class Frame {
        final Frame parent;
        final Map<String, Object> vars = new HashMap<>();

        Frame(Frame parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Frame f = this; f != null; f = f.parent) {
                if (f.vars.containsKey(name)) {
                    return f.vars.get(name);
                }
            }
            return new Undefined(name);
        }
    }

    /** A loop's break or continue, unwinding to its loop. */
    private static final class LoopSignal extends RuntimeException {
        final boolean isBreak;

        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    /** Bounds on what one rendering may do (a template comes with a model folder: it must not hang or exhaust memory). */
    static final int MAX_ITERATIONS = 1_000_000;
    static final int MAX_DEPTH = 200;
    static final int MAX_OUTPUT = 16 << 20;
    /** Expressions evaluated inside one another: a chain like {@code 1 + 1 + … + 1} parses flat but evaluates deep. */
    static final int MAX_EXPRESSION_DEPTH = 250;

    /**
     * Bound on one rendering's time: each step is bounded, but a million loop iterations that each build a 16 MiB
     * string would still run for an hour. Not final so that a test can shorten it.
     */
    static long maxNanos = 10_000_000_000L;

    private final long deadline = System.nanoTime() + maxNanos;
    private final Frame root;
    private final StringBuilder out = new StringBuilder();
    private int iterations;
    private int depth;
    private int expressionDepth;

    private Renderer(Map<String, Object> context) {
        Frame globals = new Frame(null);
        globals.vars.putAll(Builtins.globals());
        root = new Frame(globals);
        root.vars.putAll(context);
    }

    static String render(List<Node> template, Map<String, Object> context) {
        Renderer r = new Renderer(context);
        StringBuilder sink = r.out;
        try {
            r.run(template, r.root, sink);
        } catch (LoopSignal s) {
            throw new JinjaException((s.isBreak ? "break" : "continue") + " outside a loop");
        }
        return sink.toString();
    }

    private void run(List<Node> nodes, Frame frame, StringBuilder sink) {
        for (Node n : nodes) {
            if (n instanceof Node.Text t) {
                sink.append(t.text());
            } else if (n instanceof Node.Output o) {
                sink.append(PyValues.str(eval(o.expr(), frame)));
                if (sink.length() > MAX_OUTPUT) {
                    throw new JinjaException("line " + o.line() + ": the output passes " + (MAX_OUTPUT >> 20) + " MiB");
                }
            } else if (n instanceof Node.If i) {
                boolean done = false;
                for (int b = 0; b < i.tests().size() && !done; b++) {
                    if (PyValues.truthy(eval(i.tests().get(b), frame))) {
                        run(i.branches().get(b), frame, sink);
                        done = true;
                    }
                }
                if (!done) {
                    run(i.otherwise(), frame, sink);
                }
            } else if (n instanceof Node.For f) {
                loop(f, frame, sink);
            } else if (n instanceof Node.Set s) {
                assign(s, frame);
            } else if (n instanceof Node.Macro m) {
                frame.vars.put(m.name(), macro(m, frame));
            } else if (n instanceof Node.LoopControl c) {
                throw new LoopSignal(c.isBreak());
            } else if (n instanceof Node.Block b) {
                run(b.body(), frame, sink);
            }
        }
    }

    private void loop(Node.For f, Frame frame, StringBuilder sink) {
        Object source = eval(f.iter(), frame);
        if (source == null) {
            throw new JinjaException("line " + f.line() + ": 'NoneType' object is not iterable");
        }
        List<Object> items = new ArrayList<>();
        for (Object item : PyValues.iterate(source)) {
            if (f.filter() != null) {
                Frame probe = new Frame(frame);
                unpack(f.targets(), item, probe, f.line());
                if (!PyValues.truthy(eval(f.filter(), probe))) {
                    continue;
                }
            }
            items.add(item);
        }
        if (items.isEmpty()) {
            run(f.otherwise(), frame, sink);
            return;
        }
        for (int i = 0; i < items.size(); i++) {
            if (++iterations > MAX_ITERATIONS) {
                throw new JinjaException("line " + f.line() + ": more than " + MAX_ITERATIONS + " loop iterations");
            }
            checkTime(f.line());
            Frame body = new Frame(frame);
            unpack(f.targets(), items.get(i), body, f.line());
            body.vars.put("loop", new Loop(items, i));
            try {
                run(f.body(), body, sink);
            } catch (LoopSignal s) {
                if (s.isBreak) {
                    break;
                }
            }
        }
    }

    private void checkTime(int line) {
        if (System.nanoTime() - deadline > 0) {
            throw new JinjaException((line > 0 ? "line " + line + ": " : "") + "the template ran for more than "
                    + maxNanos / 1e9 + " s");
        }
    }

    /** {@code a = v} or {@code a, b = v} (a for loop's targets, a set's) into {@code frame}. */
    private static void unpack(List<String> targets, Object value, Frame frame, int line) {
        if (targets.size() == 1) {
            frame.vars.put(targets.get(0), value);
            return;
        }
        List<Object> parts = PyValues.iterate(value);
        if (parts.size() != targets.size()) {
            throw new JinjaException("line " + line + ": cannot unpack " + parts.size() + " values into "
                    + targets.size());
        }
        for (int k = 0; k < parts.size(); k++) {
            frame.vars.put(targets.get(k), parts.get(k));
        }
    }

    private void assign(Node.Set s, Frame frame) {
        Object value;
        if (s.block() != null) {
            StringBuilder b = new StringBuilder();
            run(s.block(), frame, b);
            value = b.toString();
        } else {
            value = eval(s.value(), frame);
        }
        if (s.attr() != null) {
            Object target = frame.lookup(s.targets().get(0));
            if (!(target instanceof Namespace ns)) {
                throw new JinjaException("line " + s.line() + ": cannot assign attribute on non-namespace object");
            }
            ns.attrs.put(s.attr(), value);
            return;
        }
        unpack(s.targets(), value, frame, s.line());
    }

    private Callable macro(Node.Macro m, Frame defined) {
        return (args, kwargs) -> {
            if (args.size() > m.params().size()) {
                throw new JinjaException("macro '" + m.name() + "' takes not more than " + m.params().size()
                        + " argument(s)");
            }
            Frame f = new Frame(defined);
            for (int i = 0; i < m.params().size(); i++) {
                String p = m.params().get(i);
                Object v;
                if (i < args.size()) {
                    v = args.get(i);
                } else if (kwargs.containsKey(p)) {
                    v = kwargs.get(p);
                } else if (m.defaults().get(i) != null) {
                    v = eval(m.defaults().get(i), f);
                } else {
                    v = new Undefined(p);
                }
                f.vars.put(p, v);
            }
            for (String k : kwargs.keySet()) {
                if (!m.params().contains(k)) {
                    throw new JinjaException("macro '" + m.name() + "' takes no keyword argument '" + k + "'");
                }
            }
            checkTime(0);
            if (++depth > MAX_DEPTH) {
                throw new JinjaException("macro '" + m.name() + "': more than " + MAX_DEPTH + " nested calls");
            }
            try {
                StringBuilder b = new StringBuilder();
                run(m.body(), f, b);
                return b.toString();
            } finally {
                depth--;
            }
        };
    }

    private Object eval(Expr e, Frame frame) {
        if (++expressionDepth > MAX_EXPRESSION_DEPTH) {
            throw new JinjaException("an expression nests more than " + MAX_EXPRESSION_DEPTH + " levels deep");
        }
        try {
            return evaluate(e, frame);
        } finally {
            expressionDepth--;
        }
    }

    private Object evaluate(Expr e, Frame frame) {
        if (e instanceof Node.Literal l) {
            return l.value();
        }
        if (e instanceof Node.Name n) {
            return frame.lookup(n.name());
        }
        if (e instanceof Node.ListExpr l) {
            List<Object> out = new ArrayList<>();
            for (Expr x : l.items()) {
                out.add(eval(x, frame));
            }
            return l.tuple() ? new Tuple(out) : out;
        }
        if (e instanceof Node.DictExpr d) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                out.put(eval(d.keys().get(i), frame), eval(d.values().get(i), frame));
            }
            return out;
        }
        if (e instanceof Node.Attr a) {
            return Builtins.attribute(eval(a.obj(), frame), a.name(), a.line());
        }
        if (e instanceof Node.Item it) {
            return Builtins.item(eval(it.obj(), frame), eval(it.key(), frame), it.line());
        }
        if (e instanceof Node.Slice s) {
            Object seq = eval(s.obj(), frame);
            if (seq instanceof Undefined u) {
                throw u.error();
            }
            return PyValues.slice(seq, opt(s.start(), frame), opt(s.stop(), frame), opt(s.step(), frame));
        }
        if (e instanceof Node.Call c) {
            Object fn = eval(c.fn(), frame);
            if (fn instanceof Undefined u) {
                throw new JinjaException("line " + c.line() + ": '" + u.name() + "' is undefined");
            }
            if (!(fn instanceof Callable call)) {
                throw new JinjaException("line " + c.line() + ": '" + PyValues.typeName(fn) + "' object is not callable");
            }
            List<Object> args = evalAll(c.args(), frame);
            Map<String, Object> kw = kwargs(c.kwNames(), c.kwValues(), frame);
            try {
                return call.call(args, kw);
            } catch (IndexOutOfBoundsException missing) { // a method or global read an argument not given
                throw new JinjaException("line " + c.line() + ": a call is missing an argument");
            }
        }
        if (e instanceof Node.Filter f) {
            Object v = eval(f.value(), frame);
            List<Object> args = evalAll(f.args(), frame);
            Map<String, Object> kw = kwargs(f.kwNames(), f.kwValues(), frame);
            try {
                return Builtins.filter(f.name(), v, args, kw, f.line());
            } catch (IndexOutOfBoundsException missing) {
                throw new JinjaException("line " + f.line() + ": the filter '" + f.name() + "' is missing an argument");
            }
        }
        if (e instanceof Node.Test t) {
            Object v = eval(t.value(), frame);
            List<Object> args = evalAll(t.args(), frame);
            try {
                return Builtins.test(t.name(), v, args, t.line()) != t.negated();
            } catch (IndexOutOfBoundsException missing) {
                throw new JinjaException("line " + t.line() + ": the test '" + t.name() + "' is missing an argument");
            }
        }
        if (e instanceof Node.Unary u) {
            Object v = eval(u.operand(), frame);
            return switch (u.op()) {
                case "not" -> !PyValues.truthy(v);
                case "-" -> PyValues.arithmetic("-", 0L, v);
                default -> PyValues.arithmetic("+", 0L, v);
            };
        }
        if (e instanceof Node.Conditional c) {
            if (PyValues.truthy(eval(c.test(), frame))) {
                return eval(c.then(), frame);
            }
            return c.otherwise() == null ? new Undefined("else") : eval(c.otherwise(), frame);
        }
        Node.Binary b = (Node.Binary) e;
        switch (b.op()) {
            case "and" -> {
                Object l = eval(b.left(), frame);
                return PyValues.truthy(l) ? eval(b.right(), frame) : l;
            }
            case "or" -> {
                Object l = eval(b.left(), frame);
                return PyValues.truthy(l) ? l : eval(b.right(), frame);
            }
            default -> {
                // fall through to the strict operators
            }
        }
        Object l = eval(b.left(), frame);
        Object r = eval(b.right(), frame);
        try {
            return switch (b.op()) {
                case "==" -> PyValues.eq(l, r);
                case "!=" -> !PyValues.eq(l, r);
                case "<" -> PyValues.compare(l, r, PyOps.Cmp.LT);
                case ">" -> PyValues.compare(l, r, PyOps.Cmp.GT);
                case "<=" -> PyValues.compare(l, r, PyOps.Cmp.LE);
                case ">=" -> PyValues.compare(l, r, PyOps.Cmp.GE);
                case "in" -> PyValues.contains(r, l);
                case "notin" -> !PyValues.contains(r, l);
                case "~" -> PyValues.concat(PyValues.str(l), PyValues.str(r));
                default -> PyValues.arithmetic(b.op(), l, r);
            };
        } catch (JinjaException fault) {
            throw fault.getMessage().startsWith("line ") ? fault
                    : new JinjaException("line " + b.line() + ": " + fault.getMessage());
        }
    }

    private Object opt(Expr e, Frame frame) {
        return e == null ? null : eval(e, frame);
    }

    private List<Object> evalAll(List<Expr> exprs, Frame frame) {
        List<Object> out = new ArrayList<>();
        for (Expr x : exprs) {
            out.add(eval(x, frame));
        }
        return out;
    }

    private Map<String, Object> kwargs(List<String> names, List<Expr> values, Frame frame) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), eval(values.get(i), frame));
        }
        return out;
    }
}
