package org.visualrft.core.data;

import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonSource;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.io.Utf8LineReader;

/**
 * Reads ViRFT-style JSON Lines: one object per line with {@code image}, {@code problem}, {@code solution}.
 * <ul>
 *   <li>{@code image}: a path (relative paths are resolved against the JSONL file's folder; the file must exist),
 *       a {@code data:image/...;base64,} URI or bare base64, or Hugging Face's {@code {"bytes": b64, "path": p}};
 *       {@code image_path} (the original {@code build_dataset.ipynb} key) is accepted in its place;</li>
 *   <li>optional {@code id}, {@code width}, {@code height}, {@code task}; every other scalar field is kept as a
 *       column.</li>
 * </ul>
 * Blank lines are skipped. Every fault names the file and line.
 */
public final class JsonlDatasetReader {
    private JsonlDatasetReader() {
    }

    public static List<Sample> read(Path file) {
        Path base = file.toAbsolutePath().getParent();
        List<Sample> out = new ArrayList<>();
        if (Files.isDirectory(file)) {
            throw new BadInputException(file, "is a folder, not a JSONL file");
        }
        try (BufferedReader r = Utf8LineReader.open(file)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                out.add(parse(file + ":" + n, line, n, base));
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such file");
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), e);
        }
        return out;
    }

    static Sample parse(String where, String line, int lineNumber, Path base) {
        try (JsonSource in = JsonSource.of(where, line)) {
            in.expectNext(JsonToken.START_OBJECT, "a JSON object");
            String id = null;
            ImageRef image = null;
            String problem = "";
            String solution = null;
            Integer width = null;
            Integer height = null;
            String task = null;
            Map<String, String> columns = new LinkedHashMap<>();
            while (in.next() == JsonToken.FIELD_NAME) {
                String f = in.fieldName();
                JsonToken t = in.next();
                switch (f) {
                    case "image", "image_path" -> image = image(in, base);
                    case "problem" -> problem = in.stringValue("problem");
                    case "solution" -> solution = in.stringValue("solution");
                    case "id" -> id = t == JsonToken.VALUE_STRING ? in.stringValue("id") : Long.toString(in.longValue("id"));
                    case "width" -> width = size(in, "width");
                    case "height" -> height = size(in, "height");
                    case "task" -> task = in.stringValue("task");
                    default -> {
                        if (t.isScalarValue() && t != JsonToken.VALUE_NULL) {
                            columns.put(f, text(in));
                        } else {
                            in.skipValue();
                        }
                    }
                }
            }
            if (in.next() != null) {
                throw in.fault("more than one JSON value on the line");
            }
            if (image == null) {
                throw in.faultNoPosition("no \"image\"");
            }
            if (solution == null) {
                throw in.faultNoPosition("no \"solution\"");
            }
            ImageSize size = null;
            if (width != null || height != null) {
                if (width == null || height == null || width <= 0 || height <= 0) {
                    throw in.faultNoPosition("width and height must both be given and positive, found " + width
                            + " x " + height);
                }
                size = new ImageSize(width, height);
            }
            return new Sample(id != null ? id : Integer.toString(lineNumber), image, problem, solution, size, task,
                    columns);
        }
    }

    /** An image side: an int, never clamped or wrapped (a long cast to int turned -4294967291 into 5). */
    private static int size(JsonSource in, String what) {
        long v = in.longValue(what);
        if (v != (int) v) { // zero and negative ints are refused with the pair, below
            throw in.fault(what + " must be an integer from 1 to " + Integer.MAX_VALUE + ", found " + v);
        }
        return (int) v;
    }

    private static String text(JsonSource in) {
        JsonToken t = in.current();
        if (t == JsonToken.VALUE_STRING) {
            return in.stringValue("column");
        }
        if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return Boolean.toString(t == JsonToken.VALUE_TRUE);
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return Long.toString(in.longValue("column"));
        }
        return Double.toString(in.doubleValue("column"));
    }

    private static ImageRef image(JsonSource in, Path base) {
        if (in.current() == JsonToken.START_OBJECT) {
            String bytes = null;
            String path = null;
            while (in.next() == JsonToken.FIELD_NAME) {
                String f = in.fieldName();
                JsonToken t = in.next();
                if (t == JsonToken.VALUE_NULL) {
                    continue;
                }
                switch (f) {
                    case "bytes" -> bytes = in.stringValue("image.bytes");
                    case "path" -> path = in.stringValue("image.path");
                    default -> in.skipValue();
                }
            }
            if (bytes != null) {
                return ImageRef.bytes(decode(in, bytes));
            }
            if (path != null) {
                return file(in, path, base);
            }
            throw in.faultNoPosition("image object has neither \"bytes\" nor \"path\"");
        }
        String s = in.stringValue("image");
        if (s.startsWith("data:")) {
            int comma = s.indexOf(',');
            if (comma < 0 || !s.substring(0, comma).endsWith(";base64")) {
                throw in.faultNoPosition("image data URI must be base64 (data:image/...;base64,...)");
            }
            return ImageRef.bytes(decode(in, s.substring(comma + 1)));
        }
        Path p = base.resolve(s);
        if (!looksLikeBase64(s) || Files.isRegularFile(p)) {
            return file(in, s, base);
        }
        return ImageRef.bytes(decode(in, s));
    }

    /** Long strings of only base64 characters are image data; a real path has a dot or a slash well before that. */
    private static boolean looksLikeBase64(String s) {
        if (s.length() < 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
                    || c == '/' || c == '=' || c == '\n' || c == '\r';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static byte[] decode(JsonSource in, String b64) {
        try {
            // strict alphabet; only line breaks (as MIME-wrapped base64 has) are dropped first
            return Base64.getDecoder().decode(b64.replace("\n", "").replace("\r", ""));
        } catch (IllegalArgumentException e) {
            throw in.faultNoPosition("image is not valid base64: " + e.getMessage());
        }
    }

    private static ImageRef file(JsonSource in, String path, Path base) {
        Path p = base.resolve(path);
        if (!Files.isRegularFile(p)) {
            throw in.faultNoPosition("image file not found: " + p);
        }
        return ImageRef.file(p);
    }
}
