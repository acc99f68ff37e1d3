package org.visualrft.core.data.json;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.regex.Pattern;

/**
 * Jackson's parse errors as one short line: the position and the fault, without the {@code at [Source: ...]}
 * suffix and without echoing the file's content (a file that is not JSON at all, say a key or a password file that a
 * link pointed to, must not end up in a terminal or a log).
 */
public final class JsonErrors {
    private static final Pattern QUOTED_TOKEN = Pattern.compile("Unrecognized token '[^']*'");
    private static final Pattern QUOTED_NAME = Pattern.compile("(name|value|String value) \\('[^']*'\\)");
    private static final Pattern CHAR = Pattern.compile("character \\('.{1,2}' \\(code (\\d+)[^)]*\\)\\)");
    /** Jackson's hint names its own parser setting ("enable `JsonReadFeature...` to allow"), not the user's fault. */
    private static final Pattern NON_STANDARD = Pattern.compile("(Non-standard token '[^']{0,12}'): enable `[^`]*` to allow");
    private static final int MAX = 160;

    private JsonErrors() {
    }

    /** {@code line L, column C: <fault>}, one line. */
    public static String describe(JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = loc == null || loc.getLineNr() < 0 ? "" : "line " + loc.getLineNr() + ", column "
                + loc.getColumnNr() + ": ";
        return where + fault(e.getOriginalMessage());
    }

    /** As {@link #describe(JsonProcessingException)}; other I/O errors give their first line. */
    public static String describe(java.io.IOException e) {
        if (e instanceof JsonProcessingException j) {
            return describe(j);
        }
        return fault(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    }

    /** The fault part of a Jackson message: first line, no source echo, no quoted content. */
    public static String fault(String message) {
        if (message == null || message.isBlank()) {
            return "malformed JSON";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl).strip();
        }
        int src = m.indexOf(" at [Source:");
        if (src >= 0) {
            m = m.substring(0, src);
        }
        if (m.endsWith(" (start marker")) { // Jackson's "(start marker at [Source: ...])", cut above
            m = m.substring(0, m.length() - " (start marker".length());
        }
        m = NON_STANDARD.matcher(m).replaceAll("$1 (NaN and Infinity are not JSON numbers)");
        m = QUOTED_TOKEN.matcher(m).replaceAll("Unrecognized token");
        m = QUOTED_NAME.matcher(m).replaceAll("$1");
        m = CHAR.matcher(m).replaceAll("character (code $1)");
        if (m.length() > MAX) {
            m = m.substring(0, MAX) + "...";
        }
        return m;
    }
}
