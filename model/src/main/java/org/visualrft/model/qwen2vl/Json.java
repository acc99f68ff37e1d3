package org.visualrft.model.qwen2vl;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;

/**
 * Reads the small JSON files of a Hugging Face folder (config.json, preprocessor_config.json, ...) into plain maps,
 * lists, strings, numbers and booleans, and answers typed questions about them with errors that name the file and key.
 */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final Path file;
    private final Map<String, Object> root;

    private Json(Path file, Map<String, Object> root) {
        this.file = file;
        this.root = root;
    }

    private static final long MAX_BYTES = 16L << 20;

    static Json read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "file not found");
        }
        try (JsonParser p = FACTORY.createParser(file.toFile())) {
            if (Files.size(file) > MAX_BYTES) { // config.json and generation_config.json: a few KiB in every folder
                throw new BadInputException(file, "a file of " + Files.size(file) + " bytes; at most " + MAX_BYTES
                        + " are read");
            }
            Object v = value(p, p.nextToken());
            if (!(v instanceof Map)) {
                throw new BadInputException(file, "expected a JSON object at the top");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) v;
            return new Json(file, m);
        } catch (IOException e) {
            throw new BadInputException(file, "not valid JSON: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
    }

    /** A nested object, or null when absent. */
    @SuppressWarnings("unchecked")
    Json object(String key) {
        Object v = root.get(key);
        if (v == null) {
            return null;
        }
        if (!(v instanceof Map)) {
            throw new BadInputException(file, "\"" + key + "\" must be an object");
        }
        return new Json(file, (Map<String, Object>) v);
    }

    /** This object's entries with {@code over}'s added on top (over wins where both have a key). */
    Json overlaidWith(Json over) {
        Map<String, Object> m = new LinkedHashMap<>(root);
        m.putAll(over.root);
        return new Json(file, m);
    }

    boolean has(String key) {
        return root.containsKey(key) && root.get(key) != null;
    }

    Path file() {
        return file;
    }

    Map<String, Object> raw() {
        return root;
    }

    int integer(String key, Integer dflt) {
        Object v = root.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new BadInputException(file, "missing \"" + key + "\"");
            }
            return dflt;
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && fitsInt(n.doubleValue())) {
            return n.intValue(); // out of int's range intValue() would wrap: 2^32 + 128 read as 128
        }
        throw new BadInputException(file, "\"" + key + "\" must be an integer, got " + v);
    }

    double number(String key, Double dflt) {
        Object v = root.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new BadInputException(file, "missing \"" + key + "\"");
            }
            return dflt;
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        throw new BadInputException(file, "\"" + key + "\" must be a number, got " + v);
    }

    String string(String key, String dflt) {
        Object v = root.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new BadInputException(file, "missing \"" + key + "\"");
            }
            return dflt;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new BadInputException(file, "\"" + key + "\" must be a string, got " + v);
    }

    boolean bool(String key, boolean dflt) {
        Object v = root.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new BadInputException(file, "\"" + key + "\" must be true or false, got " + v);
    }

    double[] numbers(String key, double[] dflt) {
        Object v = root.get(key);
        if (v == null) {
            if (dflt == null) {
                throw new BadInputException(file, "missing \"" + key + "\"");
            }
            return dflt;
        }
        if (v instanceof List<?> l) {
            double[] out = new double[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Number n)) {
                    throw new BadInputException(file, "\"" + key + "\" must be a list of numbers");
                }
                out[i] = n.doubleValue();
            }
            return out;
        }
        throw new BadInputException(file, "\"" + key + "\" must be a list of numbers, got " + v);
    }

    int[] integers(String key, int[] dflt) {
        double[] d = numbers(key, dflt == null ? null : java.util.Arrays.stream(dflt).asDoubleStream().toArray());
        int[] out = new int[d.length];
        for (int i = 0; i < d.length; i++) {
            if (d[i] != Math.rint(d[i]) || !fitsInt(d[i])) {
                throw new BadInputException(file, "\"" + key + "\" must be a list of integers");
            }
            out[i] = (int) d[i];
        }
        return out;
    }

    private static boolean fitsInt(double d) {
        return d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw new IOException("empty file");
        }
        switch (t) {
            case START_OBJECT: {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                return m;
            }
            case START_ARRAY: {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                return l;
            }
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getLongValue();
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected " + t);
        }
    }
}
