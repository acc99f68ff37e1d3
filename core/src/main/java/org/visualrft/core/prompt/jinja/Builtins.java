package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.answer.PythonText;
import org.visualrft.core.answer.py.PyOps;

/**
 * What templates call: the globals Hugging Face's chat templates get ({@code range}, {@code namespace},
 * {@code raise_exception}, {@code dict}), Jinja2's filters and tests, and the Python methods of strings, lists and
 * dicts that the sandbox lets a template call. {@code tojson} is Hugging Face's ({@code json.dumps} with
 * {@code ensure_ascii=False}), not Jinja2's HTML-safe one.
 */
final class Builtins {
    private Builtins() {
    }

    static Map<String, Object> globals() {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("range", (Callable) (args, kw) -> range(args));
        g.put("namespace", (Callable) (args, kw) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (a instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> ns.attrs.put(PyValues.str(k), v));
                }
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.put("dict", (Callable) (args, kw) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) {
                d.putAll(m);
            }
            d.putAll(kw);
            return d;
        });
        g.put("raise_exception", (Callable) (args, kw) -> {
            throw new JinjaException("the template raised: " + (args.isEmpty() ? "" : PyValues.str(args.get(0))));
        });
        return g;
    }

    private static List<Object> range(List<Object> args) {
        long start = 0, stop, step = 1;
        if (args.size() == 1) {
            stop = PyValues.asLong(args.get(0));
        } else if (args.size() >= 2) {
            start = PyValues.asLong(args.get(0));
            stop = PyValues.asLong(args.get(1));
            step = args.size() > 2 ? PyValues.asLong(args.get(2)) : 1;
        } else {
            throw new JinjaException("range expected at least 1 argument");
        }
        if (step == 0) {
            throw new JinjaException("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(i);
            if (out.size() > 1_000_000) {
                throw new JinjaException("range too big");
            }
        }
        return out;
    }

    /** {@code obj.name}: a method of the value, else its item (jinja2's getattr, then getitem). */
    static Object attribute(Object obj, String name, int line) {
        if (obj instanceof Undefined u) {
            throw new JinjaException("line " + line + ": '" + u.name() + "' is undefined");
        }
        if (obj instanceof Namespace ns) {
            return ns.attrs.containsKey(name) ? ns.attrs.get(name) : new Undefined(name);
        }
        if (obj instanceof Loop loop) {
            return loop.attribute(name);
        }
        Callable method = Methods.bind(obj, name);
        if (method != null) {
            return method;
        }
        if (obj instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (PyValues.eq(e.getKey(), name)) {
                    return e.getValue();
                }
            }
        }
        return new Undefined(name);
    }

    /** {@code obj[key]}: its item, else (a string key) its attribute; else undefined (jinja2's getitem). */
    static Object item(Object obj, Object key, int line) {
        if (obj instanceof Undefined u) {
            throw new JinjaException("line " + line + ": '" + u.name() + "' is undefined");
        }
        if (obj instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (PyValues.eq(e.getKey(), key)) {
                    return e.getValue();
                }
            }
        } else if ((obj instanceof List || obj instanceof String) && PyValues.isInt(key)) {
            List<Object> items = obj instanceof List<?> l ? new ArrayList<>(l) : PyValues.iterate(obj);
            int i = PyValues.index(PyValues.asLong(key), items.size());
            if (i >= 0) {
                return items.get(i);
            }
        } else if (obj instanceof Namespace ns && key instanceof String k && ns.attrs.containsKey(k)) {
            return ns.attrs.get(k);
        }
        if (key instanceof String k && !(obj instanceof Map)) {
            Callable method = Methods.bind(obj, k);
            if (method != null) {
                return method;
            }
        }
        return new Undefined(PyValues.str(key));
    }

    static Object filter(String name, Object v, List<Object> args, Map<String, Object> kw, int line) {
        try {
            return applyFilter(name, v, args, kw);
        } catch (JinjaException fault) {
            throw fault.getMessage().startsWith("line ") ? fault
                    : new JinjaException("line " + line + ": " + fault.getMessage());
        }
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object otherwise) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kw.containsKey(name) ? kw.get(name) : otherwise;
    }

    private static Object applyFilter(String name, Object v, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "length", "count" -> {
                if (v instanceof String s) {
                    return (long) PythonText.length(s);
                }
                if (v instanceof Map<?, ?> m) {
                    return (long) m.size();
                }
                return (long) PyValues.iterate(v).size();
            }
            case "string" -> {
                return PyValues.str(v);
            }
            case "trim" -> {
                Object chars = arg(args, kw, 0, "chars", null);
                return Methods.strip(PyValues.str(v), chars == null ? null : PyValues.str(chars), true, true);
            }
            case "tojson" -> {
                Object indent = arg(args, kw, 0, "indent", null);
                return Json.dumps(v, indent == null ? -1 : PyValues.width(indent));
            }
            case "join" -> {
                String sep = PyValues.str(arg(args, kw, 0, "d", ""));
                Object attr = arg(args, kw, 1, "attribute", null);
                StringBuilder b = new StringBuilder();
                boolean first = true;
                for (Object x : PyValues.iterate(v)) {
                    b.append(first ? "" : sep).append(PyValues.str(attr == null ? x : attribute(x, PyValues.str(attr), 0)));
                    first = false;
                }
                return b.toString();
            }
            case "default", "d" -> {
                Object otherwise = arg(args, kw, 0, "default_value", "");
                boolean bool = PyValues.truthy(arg(args, kw, 1, "boolean", false));
                return v instanceof Undefined || (bool && !PyValues.truthy(v)) ? otherwise : v;
            }
            case "first" -> {
                List<Object> items = PyValues.iterate(v);
                return items.isEmpty() ? new Undefined("first") : items.get(0);
            }
            case "last" -> {
                List<Object> items = PyValues.iterate(v);
                return items.isEmpty() ? new Undefined("last") : items.get(items.size() - 1);
            }
            case "lower" -> {
                return PythonText.lower(PyValues.str(v));
            }
            case "upper" -> {
                return PyValues.str(v).toUpperCase(java.util.Locale.ROOT);
            }
            case "capitalize" -> {
                return Methods.capitalize(PyValues.str(v));
            }
            case "replace" -> {
                Object count = arg(args, kw, 2, "count", null);
                return Methods.replace(PyValues.str(v), PyValues.str(args.get(0)), PyValues.str(args.get(1)),
                        count == null ? -1 : PyValues.asLong(count));
            }
            case "list" -> {
                return PyValues.iterate(v);
            }
            case "items" -> {
                return v instanceof Undefined ? new ArrayList<>() : Methods.items(requireMap(v, name));
            }
            case "unique" -> {
                List<Object> out = new ArrayList<>();
                for (Object x : PyValues.iterate(v)) {
                    if (out.stream().noneMatch(y -> PyValues.eq(x, y))) {
                        out.add(x);
                    }
                }
                return out;
            }
            case "reverse" -> {
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> out = PyValues.iterate(v);
                java.util.Collections.reverse(out);
                return out;
            }
            case "sort" -> {
                List<Object> out = PyValues.iterate(v);
                boolean reverse = PyValues.truthy(arg(args, kw, 0, "reverse", false));
                Object attr = arg(args, kw, 2, "attribute", null);
                Comparator<Object> c = (a, b) -> PyValues.order(attr == null ? a : attribute(a, PyValues.str(attr), 0),
                        attr == null ? b : attribute(b, PyValues.str(attr), 0));
                out.sort(reverse ? c.reversed() : c);
                return out;
            }
            case "int" -> {
                return toInt(v, arg(args, kw, 0, "default", 0L));
            }
            case "float" -> {
                try {
                    return PyValues.isNumber(v) ? PyValues.asDouble(v) : Double.parseDouble(PyValues.str(v).strip());
                } catch (NumberFormatException bad) {
                    return arg(args, kw, 0, "default", 0.0);
                }
            }
            case "abs" -> {
                return PyValues.isInt(v) ? (Object) Math.abs(PyValues.asLong(v)) : Math.abs(PyValues.asDouble(v));
            }
            case "sum" -> {
                Object total = arg(args, kw, 1, "start", 0L);
                for (Object x : PyValues.iterate(v)) {
                    total = PyValues.arithmetic("+", total, x);
                }
                return total;
            }
            case "max", "min" -> {
                List<Object> items = PyValues.iterate(v);
                if (items.isEmpty()) {
                    return new Undefined(name);
                }
                Object best = items.get(0);
                for (Object x : items) {
                    if (PyValues.compare(x, best, name.equals("max") ? PyOps.Cmp.GT : PyOps.Cmp.LT)) {
                        best = x;
                    }
                }
                return best;
            }
            case "select", "reject", "selectattr", "rejectattr", "map" -> {
                return Selections.apply(name, v, args, kw);
            }
            case "safe", "e", "escape", "forceescape" -> {
                return name.equals("safe") ? v : Methods.htmlEscape(PyValues.str(v));
            }
            case "indent" -> {
                return Methods.indent(PyValues.str(v), arg(args, kw, 0, "width", 4L), PyValues.truthy(arg(args, kw, 1,
                        "first", false)), PyValues.truthy(arg(args, kw, 2, "blank", false)));
            }
            case "title" -> {
                return Methods.title(PyValues.str(v));
            }
            case "round" -> {
                long precision = PyValues.asLong(arg(args, kw, 0, "precision", 0L));
                String method = PyValues.str(arg(args, kw, 1, "method", "common"));
                double x = PyValues.asDouble(v);
                if (!Double.isFinite(x)) {
                    return x; // round(inf) and round(nan) with digits are themselves in Python
                }
                precision = Math.max(-400, Math.min(400, precision)); // past ±400 digits a double no longer changes
                if (method.equals("common")) { // Python's round(): the exact binary value, ties to even
                    return new java.math.BigDecimal(x).setScale((int) precision, java.math.RoundingMode.HALF_EVEN)
                            .doubleValue();
                }
                double scale = Math.pow(10, precision);
                return (method.equals("ceil") ? Math.ceil(x * scale) : Math.floor(x * scale)) / scale;
            }
            case "batch", "slice", "groupby", "dictsort", "format", "wordwrap", "xmlattr", "urlize", "truncate",
                    "filesizeformat", "pprint", "striptags", "center", "wordcount", "urlencode", "attr", "random" ->
                throw new JinjaException("the filter '" + name + "' is not supported in chat templates here");
            default -> throw new JinjaException("no filter named '" + name + "'");
        }
    }

    private static Object toInt(Object v, Object otherwise) {
        if (PyValues.isInt(v)) {
            return PyValues.asLong(v);
        }
        if (v instanceof Double d) {
            return (long) (double) d;
        }
        try {
            return Long.parseLong(PyValues.str(v).strip());
        } catch (NumberFormatException bad) {
            try {
                return (long) Double.parseDouble(PyValues.str(v).strip());
            } catch (NumberFormatException worse) {
                return otherwise;
            }
        }
    }

    private static Map<?, ?> requireMap(Object v, String what) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new JinjaException(what + " needs a mapping, got " + PyValues.typeName(v));
        }
        return m;
    }

    private static final Set<String> NUMBERS = Set.of("number", "integer", "float");

    static boolean test(String name, Object v, List<Object> args, int line) {
        switch (name) {
            case "defined" -> {
                return !(v instanceof Undefined);
            }
            case "undefined" -> {
                return v instanceof Undefined;
            }
            case "none" -> {
                return v == null;
            }
            case "string" -> {
                return v instanceof String;
            }
            case "boolean" -> {
                return v instanceof Boolean;
            }
            case "true" -> {
                return Boolean.TRUE.equals(v);
            }
            case "false" -> {
                return Boolean.FALSE.equals(v);
            }
            case "mapping" -> {
                return v instanceof Map;
            }
            case "sequence" -> {
                return v instanceof List || v instanceof String || v instanceof Map;
            }
            case "iterable" -> {
                return v instanceof List || v instanceof String || v instanceof Map || v instanceof Undefined;
            }
            case "callable" -> {
                return v instanceof Callable;
            }
            case "lower" -> {
                return v instanceof String s && s.equals(PythonText.lower(s));
            }
            case "upper" -> {
                return v instanceof String s && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            }
            case "even", "odd" -> {
                long n = PyValues.asLong(v);
                return (Math.floorMod(n, 2L) == 0) == name.equals("even");
            }
            case "divisibleby" -> {
                long divisor = PyValues.asLong(args.get(0));
                if (divisor == 0) {
                    throw new JinjaException("line " + line + ": integer division or modulo by zero");
                }
                return Math.floorMod(PyValues.asLong(v), divisor) == 0;
            }
            case "eq", "equalto", "==" -> {
                return PyValues.eq(v, args.get(0));
            }
            case "ne", "!=" -> {
                return !PyValues.eq(v, args.get(0));
            }
            case "lt", "lessthan", "<" -> {
                return PyValues.compare(v, args.get(0), PyOps.Cmp.LT);
            }
            case "le", "<=" -> {
                return PyValues.compare(v, args.get(0), PyOps.Cmp.LE);
            }
            case "gt", "greaterthan", ">" -> {
                return PyValues.compare(v, args.get(0), PyOps.Cmp.GT);
            }
            case "ge", ">=" -> {
                return PyValues.compare(v, args.get(0), PyOps.Cmp.GE);
            }
            case "in" -> {
                return PyValues.contains(args.get(0), v);
            }
            case "sameas" -> {
                Object o = args.get(0);
                return v == o || (v instanceof Boolean && v.equals(o)) || (v == null && o == null);
            }
            default -> {
                if (NUMBERS.contains(name)) {
                    return switch (name) {
                        case "integer" -> v instanceof Long;
                        case "float" -> v instanceof Double;
                        default -> PyValues.isNumber(v);
                    };
                }
                throw new JinjaException("line " + line + ": no test named '" + name + "'");
            }
        }
    }
}
