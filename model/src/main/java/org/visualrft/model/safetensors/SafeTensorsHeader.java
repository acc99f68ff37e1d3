package org.visualrft.model.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;
import org.visualrft.core.io.Utf8;

/**
 * The JSON header of a safetensors file, read as strictly as the format's reference reader: UTF-8 only (no
 * replacement characters), exactly one JSON object (only the space padding writers add may follow it), and no tensor
 * named twice. A lenient reader would let two files that other tools read differently load here.
 */
public final class SafeTensorsHeader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SafeTensorsHeader() {
    }

    /** Parses {@code bytes[off, off + len)} as the header of {@code file}; faults are {@link BadInputException}s. */
    public static JsonNode parse(Path file, byte[] bytes, int off, int len) {
        int bad = Utf8.firstInvalid(bytes, off, len);
        if (bad >= 0) {
            throw new BadInputException(file, "safetensors header is not valid UTF-8 (byte " + (bad - off + 1)
                    + " of the header)");
        }
        JsonNode root;
        try (JsonParser p = JSON.getFactory().createParser(new String(bytes, off, len, StandardCharsets.UTF_8))) {
            root = JSON.readTree(p);
            boolean trailing;
            try {
                trailing = p.nextToken() != null;
            } catch (JsonProcessingException e) {
                trailing = true; // not even a token: garbage
            }
            if (trailing) {
                throw new BadInputException(file, "safetensors header has content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
            if (m.startsWith("Duplicate field")) {
                throw new BadInputException(file, "safetensors header names a tensor twice ("
                        + JsonErrors.describe(e) + ")", e);
            }
            throw new BadInputException(file, "safetensors header is not valid JSON: " + JsonErrors.describe(e), e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read safetensors header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(file, "safetensors header is not a JSON object");
        }
        return root;
    }
}
