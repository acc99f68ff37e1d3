package org.visualrft.core.reward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.ImageSize;

/**
 * Streams JSON Lines through reward sets: every input line is an object with {@code completion}, {@code solution},
 * optional {@code task} and optional {@code image_size} ({@code [w, h]} or {@code {"width": w, "height": h}}); the
 * output line is the input line, unchanged, with {@code "rewards": {name: value, ...}} and {@code "reward": sum}
 * appended. One line in memory at a time. A line that is not such an object is a {@link BadInputException}
 * naming the source and line number.
 */
public final class JsonlRewarder {
    private final String source;
    private final Task defaultTask;
    private final Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
    private final JsonFactory json = new JsonFactory();

    /**
     * @param source      the input's name for error messages
     * @param defaultTask the task for lines without a {@code task} field (null: such lines are errors)
     * @param setForTask  the reward set of each task
     */
    public JsonlRewarder(String source, Task defaultTask, java.util.function.Function<Task, RewardSet> setForTask) {
        this.source = source;
        this.defaultTask = defaultTask;
        for (Task t : Task.values()) {
            sets.put(t, setForTask.apply(t));
        }
    }

    /** Processes every line; returns the number of lines written. */
    public long run(BufferedReader in, Writer out) throws IOException {
        long lineNo = 0;
        long written = 0;
        StringBuilder sb = new StringBuilder(512);
        String line;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            sb.setLength(0);
            score(line, lineNo, sb);
            sb.append('\n');
            out.append(sb);
            written++;
        }
        return written;
    }

    private void score(String line, long lineNo, StringBuilder out) throws IOException {
        String completion = null;
        String solution = null;
        String taskName = null;
        ImageSize size = null;
        int fields = 0;
        try (JsonParser p = json.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad(lineNo, "not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                fields++;
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "completion" -> completion = text(p, v, lineNo, name);
                    case "solution" -> solution = text(p, v, lineNo, name);
                    case "task" -> taskName = text(p, v, lineNo, name);
                    case "image_size" -> size = imageSize(p, v, lineNo);
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw bad(lineNo, "not a single JSON object");
            }
        } catch (JsonProcessingException e) {
            throw bad(lineNo, "invalid JSON (" + org.visualrft.core.data.json.JsonErrors.fault(e.getOriginalMessage()) + ")");
        }
        if (completion == null) {
            throw bad(lineNo, "missing \"completion\"");
        }
        if (solution == null) {
            throw bad(lineNo, "missing \"solution\"");
        }
        Task task = defaultTask;
        if (taskName != null) {
            task = Task.parseOrNull(taskName);
            if (task == null) {
                throw bad(lineNo, "unknown task \"" + taskName + "\" (detection, classification or grounding)");
            }
        }
        if (task == null) {
            throw bad(lineNo, "no task (give --task or a \"task\" field)");
        }
        RewardSet set = sets.get(task);
        RewardSample sample = new RewardSample(solution, task, size, Map.of());
        List<WeightedReward> parts = set.parts();
        int end = line.length();
        while (end > 0 && Character.isWhitespace(line.charAt(end - 1))) {
            end--;
        }
        out.append(line, 0, end - 1); // without the closing brace
        out.append(fields == 0 ? "\"rewards\": {" : ", \"rewards\": {");
        double total = 0.0;
        for (int i = 0; i < parts.size(); i++) {
            WeightedReward w = parts.get(i);
            double v = w.function().score(completion, sample);
            total += w.weight() * v;
            if (i > 0) {
                out.append(", ");
            }
            out.append('"').append(w.function().name()).append("\": ");
            number(out, v);
        }
        out.append("}, \"reward\": ");
        number(out, total);
        out.append('}');
    }

    /** JSON numbers; NaN (possible only in visual-rft mode, as in the original) is written as Python writes it. */
    private static void number(StringBuilder out, double v) {
        if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v).append(".0");
        } else {
            out.append(v);
        }
    }

    private String text(JsonParser p, JsonToken v, long lineNo, String name) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw bad(lineNo, "\"" + name + "\" must be a string");
        }
        return p.getText();
    }

    private ImageSize imageSize(JsonParser p, JsonToken v, long lineNo) throws IOException {
        long w = -1;
        long h = -1;
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v == JsonToken.START_ARRAY) {
            if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                w = p.getLongValue();
                if (p.nextToken() == JsonToken.VALUE_NUMBER_INT) {
                    h = p.getLongValue();
                    if (p.nextToken() != JsonToken.END_ARRAY) {
                        w = -1;
                    }
                }
            }
        } else if (v == JsonToken.START_OBJECT) {
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                JsonToken x = p.nextToken();
                if (x == JsonToken.VALUE_NUMBER_INT && k.equals("width")) {
                    w = p.getLongValue();
                } else if (x == JsonToken.VALUE_NUMBER_INT && k.equals("height")) {
                    h = p.getLongValue();
                } else {
                    p.skipChildren();
                }
            }
        }
        if (w <= 0 || h <= 0 || w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
            throw bad(lineNo, "\"image_size\" must be [width, height] or {\"width\": w, \"height\": h},"
                    + " positive integers");
        }
        return new ImageSize((int) w, (int) h);
    }

    private BadInputException bad(long lineNo, String fault) {
        return new BadInputException(source, "line " + lineNo + ": " + fault);
    }
}
