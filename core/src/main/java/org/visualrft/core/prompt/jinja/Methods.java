package org.visualrft.core.prompt.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.core.answer.PythonText;

/** The Python methods of str, list and dict a sandboxed template may call ({@code value.method(...)}). */
final class Methods {
    private Methods() {
    }

    /** The method {@code name} bound to {@code obj}, or null when it has none of that name. */
    static Callable bind(Object obj, String name) {
        if (obj instanceof String s) {
            return string(s, name);
        }
        if (obj instanceof Map<?, ?> m) {
            return dict(m, name);
        }
        if (obj instanceof List<?> l) {
            return list(l, name);
        }
        return null;
    }

    private static String argString(List<Object> args, int i, String method) {
        if (i >= args.size()) {
            throw new JinjaException(method + "() is missing an argument");
        }
        Object a = args.get(i);
        if (!(a instanceof String s)) {
            throw new JinjaException(method + "() needs a string argument, not " + PyValues.typeName(a));
        }
        return s;
    }

    private static String optionalChars(List<Object> args) {
        return args.isEmpty() || args.get(0) == null ? null : PyValues.str(args.get(0));
    }

    private static Callable string(String s, String name) {
        return switch (name) {
            case "startswith", "endswith" -> (args, kw) -> {
                Object p = args.isEmpty() ? null : args.get(0);
                List<Object> options = p instanceof List<?> l ? new ArrayList<>(l) : List.of(argString(args, 0, name));
                for (Object o : options) {
                    String x = PyValues.str(o);
                    if (name.equals("startswith") ? s.startsWith(x) : s.endsWith(x)) {
                        return true;
                    }
                }
                return false;
            };
            case "strip" -> (args, kw) -> strip(s, optionalChars(args), true, true);
            case "lstrip" -> (args, kw) -> strip(s, optionalChars(args), true, false);
            case "rstrip" -> (args, kw) -> strip(s, optionalChars(args), false, true);
            case "split" -> (args, kw) -> split(s, args.isEmpty() || args.get(0) == null ? null : argString(args, 0, name),
                    args.size() > 1 ? PyValues.asLong(args.get(1)) : kw.containsKey("maxsplit")
                            ? PyValues.asLong(kw.get("maxsplit")) : -1);
            case "rsplit" -> (args, kw) -> rsplit(s, args.isEmpty() || args.get(0) == null ? null
                    : argString(args, 0, name), args.size() > 1 ? PyValues.asLong(args.get(1)) : -1);
            case "splitlines" -> (args, kw) -> splitlines(s);
            case "replace" -> (args, kw) -> replace(s, argString(args, 0, name), argString(args, 1, name),
                    args.size() > 2 ? PyValues.asLong(args.get(2)) : -1);
            case "lower" -> (args, kw) -> PythonText.lower(s);
            case "upper" -> (args, kw) -> s.toUpperCase(Locale.ROOT);
            case "title" -> (args, kw) -> title(s);
            case "capitalize" -> (args, kw) -> capitalize(s);
            case "find" -> (args, kw) -> (long) s.indexOf(argString(args, 0, name));
            case "rfind" -> (args, kw) -> (long) s.lastIndexOf(argString(args, 0, name));
            case "count" -> (args, kw) -> {
                String x = argString(args, 0, name);
                if (x.isEmpty()) {
                    return (long) s.length() + 1;
                }
                long n = 0;
                for (int i = s.indexOf(x); i >= 0; i = s.indexOf(x, i + x.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (args, kw) -> {
                StringBuilder b = new StringBuilder();
                boolean first = true;
                for (Object x : PyValues.iterate(args.get(0))) {
                    if (!(x instanceof String)) {
                        throw new JinjaException("join() expects strings, found " + PyValues.typeName(x));
                    }
                    b.append(first ? "" : s).append(x);
                    first = false;
                }
                return b.toString();
            };
            case "removeprefix" -> (args, kw) -> {
                String p = argString(args, 0, name);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            };
            case "removesuffix" -> (args, kw) -> {
                String p = argString(args, 0, name);
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            };
            case "isdigit" -> (args, kw) -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> (args, kw) -> !s.isEmpty() && s.chars().allMatch(PythonText::isSpace);
            case "isalpha" -> (args, kw) -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "islower" -> (args, kw) -> s.chars().anyMatch(Character::isLetter) && s.equals(PythonText.lower(s));
            case "isupper" -> (args, kw) -> s.chars().anyMatch(Character::isLetter) && s.equals(s.toUpperCase(Locale.ROOT));
            default -> null;
        };
    }

    private static Callable dict(Map<?, ?> m, String name) {
        return switch (name) {
            case "items" -> (args, kw) -> items(m);
            case "keys" -> (args, kw) -> new ArrayList<Object>(m.keySet());
            case "values" -> (args, kw) -> new ArrayList<Object>(m.values());
            case "get" -> (args, kw) -> {
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (PyValues.eq(e.getKey(), args.get(0))) {
                        return e.getValue();
                    }
                }
                return args.size() > 1 ? args.get(1) : null;
            };
            default -> null;
        };
    }

    private static Callable list(List<?> l, String name) {
        return switch (name) {
            case "index" -> (args, kw) -> {
                for (int i = 0; i < l.size(); i++) {
                    if (PyValues.eq(l.get(i), args.get(0))) {
                        return (long) i;
                    }
                }
                throw new JinjaException(PyValues.repr(args.get(0)) + " is not in list");
            };
            case "count" -> (args, kw) -> l.stream().filter(x -> PyValues.eq(x, args.get(0))).count();
            case "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse" -> (args, kw) -> {
                throw new JinjaException("access to the list method '" + name + "' is unsafe (an immutable sandbox)");
            };
            default -> null;
        };
    }

    /** Python's {@code str.splitlines()} for \n, \r and \r\n: no empty last line after a final break. */
    static List<Object> splitlines(String s) {
        List<Object> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                out.add(s.substring(from, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                from = i + 1;
            }
        }
        if (from < s.length()) {
            out.add(s.substring(from));
        }
        return out;
    }

    static List<Object> items(Map<?, ?> m) {
        List<Object> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Tuple(java.util.Arrays.asList(k, v))));
        return out;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0, b = s.length();
        if (left) {
            while (a < b && (chars == null ? PythonText.isSpace(s.charAt(a)) : chars.indexOf(s.charAt(a)) >= 0)) {
                a++;
            }
        }
        if (right) {
            while (b > a && (chars == null ? PythonText.isSpace(s.charAt(b - 1)) : chars.indexOf(s.charAt(b - 1)) >= 0)) {
                b--;
            }
        }
        return s.substring(a, b);
    }

    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && PythonText.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < n && !PythonText.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new JinjaException("empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) {
                break;
            }
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0 || sep == null) {
            return sep == null && maxsplit >= 0 ? rsplitWhitespace(s, maxsplit) : split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, end - sep.length());
            if (k < 0 || end - sep.length() < 0) {
                break;
            }
            out.add(0, s.substring(k + sep.length(), end));
            end = k;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static List<Object> rsplitWhitespace(String s, long maxsplit) {
        List<Object> out = new ArrayList<>();
        int j = s.length();
        while (true) {
            while (j > 0 && PythonText.isSpace(s.charAt(j - 1))) {
                j--;
            }
            if (j == 0) {
                return out;
            }
            if (out.size() >= maxsplit) {
                out.add(0, strip(s.substring(0, j), null, true, false));
                return out;
            }
            int i = j;
            while (i > 0 && !PythonText.isSpace(s.charAt(i - 1))) {
                i--;
            }
            out.add(0, s.substring(i, j));
            j = i;
        }
    }

    static String replace(String s, String old, String with, long count) {
        if (with.length() > old.length()) { // bounded before it is built: a million hits of a longer text
            long hits = 0;
            for (int k = old.isEmpty() ? 0 : s.indexOf(old); k >= 0 && (count < 0 || hits < count);
                    k = old.isEmpty() ? (k < s.length() ? k + 1 : -1) : s.indexOf(old, k + old.length())) {
                hits++;
            }
            PyValues.requireSize(s.length() + hits * (with.length() - old.length()));
        }
        if (count < 0) {
            return s.replace(old, with);
        }
        StringBuilder b = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int k = s.indexOf(old, from);
            if (k < 0) {
                break;
            }
            b.append(s, from, k).append(with);
            from = k + old.length();
            if (old.isEmpty()) {
                if (from < s.length()) {
                    b.append(s.charAt(from));
                }
                from++;
                if (from > s.length()) {
                    return b.toString();
                }
            }
        }
        return b.append(s.substring(Math.min(from, s.length()))).toString();
    }

    static String capitalize(String s) {
        return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
    }

    static String title(String s) {
        StringBuilder b = new StringBuilder();
        boolean inWord = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(Character.isLetter(c) ? (inWord ? Character.toLowerCase(c) : Character.toUpperCase(c)) : c);
            inWord = Character.isLetter(c);
        }
        return b.toString();
    }

    static String htmlEscape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    static String indent(String s, Object width, boolean first, boolean blank) {
        String pad = width instanceof String w ? w : " ".repeat(PyValues.width(width));
        String[] lines = s.split("\n", -1);
        PyValues.requireSize(s.length() + (long) pad.length() * lines.length);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                b.append('\n');
            }
            boolean indentIt = (i > 0 || first) && (blank || !lines[i].isBlank());
            b.append(indentIt ? pad : "").append(lines[i]);
        }
        return b.toString();
    }
}
