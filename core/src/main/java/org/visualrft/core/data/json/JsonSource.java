package org.visualrft.core.data.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.visualrft.core.BadInputException;

/**
 * A streaming JSON reader over one named source that turns every problem into a {@link BadInputException} naming
 * the source, the position and the fault. Readers of COCO, LVIS and JSONL files build on it so they share one way
 * of reporting malformed input.
 */
public final class JsonSource implements AutoCloseable {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            // Jackson's bundled FastDoubleParser: correctly rounded like Double.parseDouble, several times faster
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .build();

    private final String name;
    private final JsonParser parser;
    private final InputStream stream;

    private JsonSource(String name, JsonParser parser, InputStream stream) {
        this.name = name;
        this.parser = parser;
        this.stream = stream;
    }

    /** Opens a file; a missing or unreadable file is bad input. */
    public static JsonSource open(Path file) {
        try {
            InputStream in = Files.newInputStream(file);
            return new JsonSource(file.toString(), FACTORY.createParser(in), in);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads JSON text held in memory (one JSONL line, say); {@code name} is what errors will call it. */
    public static JsonSource of(String name, String text) {
        try {
            return new JsonSource(name, FACTORY.createParser(text), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    /** Advances to the next token; malformed JSON becomes bad input. Returns null at the end of the input. */
    public JsonToken next() {
        try {
            return parser.nextToken();
        } catch (JsonProcessingException e) {
            throw new BadInputException(name, "malformed JSON at " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new BadInputException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The current token. */
    public JsonToken current() {
        return parser.currentToken();
    }

    /** The current field name (valid when the current token is a FIELD_NAME). */
    public String fieldName() {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw new BadInputException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Advances and requires the given token. */
    public void expectNext(JsonToken token, String what) {
        JsonToken t = next();
        if (t != token) {
            throw fault(what + " expected, found " + describe(t));
        }
    }

    /** Skips the value at the current token (and its children, if it is an object or array). */
    public void skipValue() {
        try {
            parser.skipChildren();
        } catch (JsonProcessingException e) {
            throw new BadInputException(name, "malformed JSON at " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new BadInputException(name, "cannot read: " + e.getMessage(), e);
        }
    }

    /** The current token as a finite double; {@code what} names the field for the error message. */
    public double doubleValue(String what) {
        JsonToken t = current();
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            throw fault(what + " must be a number, found " + describe(t));
        }
        try {
            double v = parser.getDoubleValue();
            if (!Double.isFinite(v)) {
                throw fault(what + " must be finite, found " + parser.getText());
            }
            return v;
        } catch (IOException e) {
            throw fault(what + " is not a number: " + e.getMessage());
        }
    }

    /** The current token as an integer id (JSON integer within the range of a long). */
    public long longValue(String what) {
        JsonToken t = current();
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw fault(what + " must be an integer, found " + describe(t));
        }
        try {
            return parser.getLongValue();
        } catch (IOException e) {
            throw fault(what + " is out of range: " + e.getMessage());
        }
    }

    /**
     * The current token as an id: a JSON integer, or a float with an integral value ({@code 3.0}), which Python-made
     * files sometimes contain and Python's dict lookups treat as equal to the integer.
     */
    public long idValue(String what) {
        if (current() == JsonToken.VALUE_NUMBER_FLOAT) {
            double v = doubleValue(what);
            if (v != Math.rint(v) || Math.abs(v) > 0x1p53) {
                throw fault(what + " must be an integer, found " + v);
            }
            return (long) v;
        }
        return longValue(what);
    }

    /** The current token as a string (JSON string only). */
    public String stringValue(String what) {
        if (current() != JsonToken.VALUE_STRING) {
            throw fault(what + " must be a string, found " + describe(current()));
        }
        try {
            return parser.getText(); // strings are decoded lazily: invalid UTF-8 inside one surfaces here
        } catch (JsonProcessingException e) {
            throw new BadInputException(name, "malformed JSON at " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw fault("cannot read " + what + ": " + JsonErrors.fault(e.getMessage()));
        }
    }

    /** A bad-input exception about the current position. */
    public BadInputException fault(String what) {
        return new BadInputException(name, what + " (at " + where(parser.currentLocation()) + ")");
    }

    /** Fails with {@code no "field"} at the current position when a required field was not in the object. */
    public void requireField(Object value, String field) {
        if (value == null) {
            throw fault("no \"" + field + "\"");
        }
    }

    /** A bad-input exception without a position (for faults found after parsing). */
    public BadInputException faultNoPosition(String what) {
        return new BadInputException(name, what);
    }

    private String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case END_OBJECT -> "end of object";
            case END_ARRAY -> "end of array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case FIELD_NAME -> "a field name";
            default -> t.toString();
        };
    }

    private static String where(JsonLocation loc) {
        return loc == null ? "?" : "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    @Override
    public void close() {
        try {
            parser.close();
            if (stream != null) {
                stream.close();
            }
        } catch (IOException e) {
            // closing a reader we finished with cannot lose data; nothing useful to report
        }
    }
}
