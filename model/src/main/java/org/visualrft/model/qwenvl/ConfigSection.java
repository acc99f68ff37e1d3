package org.visualrft.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.visualrft.core.BadInputException;

/**
 * One object of a config.json ({@code vision_config}, {@code text_config}, the top level), read field by field. Every
 * field the object holds must be read or declared ignorable before {@link #checkNoUnknown}: an unknown field is a
 * one-line error naming the file and the field, so a typo or a feature this port lacks is never silently dropped.
 */
final class ConfigSection {
    private final Path file;
    private final String prefix;
    private final JsonNode node;
    private final Set<String> ignorable;
    private final java.util.HashSet<String> read = new java.util.HashSet<>();

    ConfigSection(Path file, String prefix, JsonNode node, Set<String> ignorable) {
        this.file = file;
        this.prefix = prefix;
        this.node = node;
        this.ignorable = ignorable;
    }

    Path file() {
        return file;
    }

    boolean has(String key) {
        JsonNode v = node.get(key);
        return v != null && !v.isNull();
    }

    String path(String key) {
        return prefix + key;
    }

    BadInputException fault(String key, String what) {
        return new BadInputException(file, "field \"" + path(key) + "\" " + what);
    }

    ConfigSection object(String key, Set<String> ignorable) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw fault(key, "must be an object");
        }
        return new ConfigSection(file, path(key) + ".", v, ignorable);
    }

    int integer(String key, int dflt) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw fault(key, "must be an integer, got " + v);
        }
        return v.intValue();
    }

    double number(String key, double dflt) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw fault(key, "must be a number, got " + v);
        }
        return v.doubleValue();
    }

    boolean bool(String key, boolean dflt) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw fault(key, "must be true or false, got " + v);
        }
        return v.booleanValue();
    }

    String string(String key, String dflt) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw fault(key, "must be a string, got " + v);
        }
        return v.asText();
    }

    /** An integer list; a single integer reads as a list of one. */
    int[] integers(String key, int[] dflt) {
        read.add(key);
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (v.isIntegralNumber()) {
            return new int[] {v.intValue()};
        }
        if (!v.isArray()) {
            throw fault(key, "must be a list of integers, got " + v);
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isIntegralNumber()) {
                throw fault(key, "must be a list of integers, got " + v);
            }
            out[i] = v.get(i).intValue();
        }
        return out;
    }

    /** Counts the fields {@code other} holds, and {@code more}, as read here (copies this object may repeat). */
    void ignoreFieldsOf(ConfigSection other, String... more) {
        other.node.fieldNames().forEachRemaining(read::add);
        read.addAll(java.util.Arrays.asList(more));
    }

    /** Fails on the first field neither read nor ignorable. */
    void checkNoUnknown() {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!read.contains(k) && !ignorable.contains(k)) {
                unknown.add(k);
            }
        }
        if (!unknown.isEmpty()) {
            throw fault(unknown.get(0), "is unknown to this port (" + (unknown.size() > 1 ? unknown.size() + " unknown fields; " : "")
                    + "remove it or add support for it)");
        }
    }
}
