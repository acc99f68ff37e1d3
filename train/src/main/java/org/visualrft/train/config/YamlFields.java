package org.visualrft.train.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.visualrft.core.BadInputException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A flat YAML mapping read strictly: every key must be read by the config that owns it (leftovers are an error), and
 * every value must have the expected type. Faults name the file and the key.
 */
final class YamlFields {
    private final String source;
    private final Map<String, Object> values;
    private final java.util.Set<String> read = new java.util.HashSet<>();

    YamlFields(String source, Map<String, Object> values) {
        this.source = source;
        this.values = values;
    }

    /** Parses a YAML file whose top level is a mapping (an empty file is an empty mapping). */
    static YamlFields parse(Path file) {
        String text;
        try {
            if (!Files.isRegularFile(file)) {
                throw new BadInputException(file, Files.isDirectory(file) ? "is a folder, not a YAML file"
                        : "no such config file");
            }
            text = org.visualrft.core.io.Utf8.decode(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
        return parse(file.toString(), text);
    }

    static YamlFields parseResource(String resource) {
        try (InputStream in = YamlFields.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return parse(resource, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static YamlFields parse(String source, String text) {
        Object doc;
        try {
            LoaderOptions opts = new LoaderOptions();
            opts.setAllowDuplicateKeys(false);
            doc = new Yaml(new SafeConstructor(opts)).load(text);
        } catch (org.yaml.snakeyaml.error.MarkedYAMLException e) {
            // the mark gives the place; the message's own excerpt of the file is left out (one line, no echo)
            org.yaml.snakeyaml.error.Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String where = m == null ? "" : " at line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1);
            String what = e.getProblem() != null ? e.getProblem() : e.getContext();
            throw new BadInputException(source, "not valid YAML" + where + ": " + firstLine(what), e);
        } catch (YAMLException e) {
            throw new BadInputException(source, "not valid YAML: " + firstLine(e.getMessage()), e);
        }
        if (doc == null) {
            return new YamlFields(source, new LinkedHashMap<>());
        }
        if (!(doc instanceof Map<?, ?> m)) {
            throw new BadInputException(source, "the top level must be a mapping of settings");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw new BadInputException(source, "setting names must be strings, got " + e.getKey());
            }
            out.put(k, e.getValue());
        }
        return new YamlFields(source, out);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return (i < 0 ? s : s.substring(0, i)).trim();
    }

    String source() {
        return source;
    }

    /** This mapping with {@code over}'s keys replacing its own (a preset under a user's file). */
    YamlFields overlaidBy(YamlFields over) {
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(over.values);
        return new YamlFields(over.source, merged);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** Throws naming the first key nobody read. */
    void rejectUnread(java.util.Collection<String> known) {
        for (String k : values.keySet()) {
            if (!read.contains(k)) {
                String foreign = ForeignSettings.reason(k);
                if (foreign != null) {
                    throw new BadInputException(source, "'" + k + "' is a Hugging Face/TRL setting a run here does"
                            + " not take: " + foreign);
                }
                String hint = closest(k, known);
                throw new BadInputException(source, "unknown setting '" + k + "'"
                        + (hint == null ? "" : " (did you mean '" + hint + "'?)"));
            }
        }
    }

    private static String closest(String k, java.util.Collection<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : new TreeSet<>(known)) {
            int d = distance(k, c);
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return bestD <= Math.max(2, k.length() / 3) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private Object raw(String key) {
        read.add(key);
        return values.get(key);
    }

    private BadInputException bad(String key, String fault) {
        return new BadInputException(source, "'" + key + "' " + fault);
    }

    String string(String key, String dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String || v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        throw bad(key, "must be a string, got " + describe(v));
    }

    /** A string restricted to {@code allowed} (lower-cased before the comparison). */
    String choice(String key, String dflt, List<String> allowed) {
        String s = string(key, dflt);
        if (s == null) {
            return null;
        }
        String low = s.toLowerCase(Locale.ROOT);
        if (!allowed.contains(low)) {
            throw bad(key, "must be one of " + allowed + ", got '" + s + "'");
        }
        return low;
    }

    double number(String key, double dflt) {
        Double d = nullableNumber(key, dflt);
        if (d == null) {
            throw bad(key, "must be a number, got null");
        }
        return d;
    }

    Double nullableNumber(String key, Double dflt) {
        if (!values.containsKey(key)) {
            raw(key);
            return dflt;
        }
        Object v = raw(key);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw bad(key, "must be a finite number, got " + v);
            }
            return d;
        }
        if (v instanceof String s) {
            try { // YAML 1.1 reads 1e-6 (no dot) as a string
                double d = Double.parseDouble(s.trim());
                if (Double.isFinite(d)) {
                    return d;
                }
            } catch (NumberFormatException ignored) {
                // fall through
            }
        }
        throw bad(key, "must be a number, got " + describe(v));
    }

    int integer(String key, int dflt) {
        long l = longInt(key, dflt);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw bad(key, "is out of range: " + l);
        }
        return (int) l;
    }

    /** An integer that may be null ({@code key: null} or {@code ~}); {@code dflt} when the key is absent. */
    Integer nullableInteger(String key, Integer dflt) {
        if (!values.containsKey(key)) {
            raw(key);
            return dflt;
        }
        if (raw(key) == null) {
            return null;
        }
        return integer(key, 0);
    }

    long longInt(String key, long dflt) {
        Object v = raw(key);
        if (v == null) {
            if (values.containsKey(key)) {
                throw bad(key, "must be an integer, got null");
            }
            return dflt;
        }
        if (v instanceof Integer || v instanceof Long) {
            return ((Number) v).longValue();
        }
        throw bad(key, "must be an integer, got " + describe(v));
    }

    boolean bool(String key, boolean dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw bad(key, "must be true or false, got " + describe(v));
    }

    /** The raw value (for fields with several accepted types, such as TRL's scale_rewards). */
    Object any(String key) {
        return raw(key);
    }

    List<String> strings(String key, List<String> dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> l) {
            List<String> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof String s)) {
                    throw bad(key, "must be a list of names, got " + describe(o) + " in it");
                }
                out.add(s);
            }
            return List.copyOf(out);
        }
        throw bad(key, "must be a list of names, got " + describe(v));
    }

    List<Double> numbers(String key, List<Double> dflt) {
        Object v = raw(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof List<?> l) {
            List<Double> out = new ArrayList<>();
            for (Object o : l) {
                if (!(o instanceof Number n) || !Double.isFinite(n.doubleValue())) {
                    throw bad(key, "must be a list of numbers, got " + describe(o) + " in it");
                }
                out.add(n.doubleValue());
            }
            return List.copyOf(out);
        }
        throw bad(key, "must be a list of numbers, got " + describe(v));
    }

    BadInputException fault(String key, String fault) {
        return bad(key, fault);
    }

    private static String describe(Object v) {
        if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        return v instanceof String ? "'" + v + "'" : String.valueOf(v);
    }
}
