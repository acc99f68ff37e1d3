package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Jinja2's {@code select}, {@code reject}, {@code selectattr}, {@code rejectattr} and {@code map} filters. */
final class Selections {
    private Selections() {
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        List<Object> items = PyValues.iterate(v);
        List<Object> out = new ArrayList<>();
        if (name.equals("map")) {
            if (kw.containsKey("attribute")) {
                for (Object x : items) {
                    Object a = Builtins.attribute(x, PyValues.str(kw.get("attribute")), 0);
                    out.add(a instanceof Undefined && kw.containsKey("default") ? kw.get("default") : a);
                }
                return out;
            }
            if (args.isEmpty()) {
                throw new JinjaException("map needs a filter name or attribute=");
            }
            for (Object x : items) {
                out.add(Builtins.filter(PyValues.str(args.get(0)), x, args.subList(1, args.size()), Map.of(), 0));
            }
            return out;
        }
        boolean byAttr = name.endsWith("attr");
        boolean keep = name.startsWith("select");
        int at = 0;
        String attr = null;
        if (byAttr) {
            if (args.isEmpty()) {
                throw new JinjaException(name + " needs an attribute name");
            }
            attr = PyValues.str(args.get(at++));
        }
        String test = at < args.size() ? PyValues.str(args.get(at++)) : null;
        List<Object> testArgs = args.subList(Math.min(at, args.size()), args.size());
        for (Object x : items) {
            Object subject = attr == null ? x : Builtins.attribute(x, attr, 0);
            boolean passes = test == null ? PyValues.truthy(subject) : Builtins.test(test, subject, testArgs, 0);
            if (passes == keep) {
                out.add(x);
            }
        }
        return out;
    }
}
