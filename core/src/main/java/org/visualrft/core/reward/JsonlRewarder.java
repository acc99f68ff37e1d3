package org.visualrft.core.reward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.io.Utf8;

/**
 * Streams JSON Lines through reward sets: every input line is an object with {@code completion}, {@code solution},
 * optional {@code task} and optional {@code image_size} ({@code [w, h]} or {@code {"width": w, "height": h}}); the
 * output line is the input line, unchanged, with {@code "rewards": {name: value, ...}} and {@code "reward": sum}
 * appended. Streams: batches of lines are scored in parallel and written in input order, a bounded number in
 * memory at a time. A line that is not such an object is a {@link BadInputException} naming the source and line
 * number.
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

    /**
     * Processes every line of {@code in} on {@code threads} threads (1: this thread only) and writes the results to
     * {@code out} in input order; returns the number of lines written. Lines are cut from the raw UTF-8 bytes and
     * copied through unchanged, so only the JSON fields the rewards read are decoded. On a bad line, every line
     * before it is written and then the {@link BadInputException} is thrown.
     */
    public long run(InputStream in, OutputStream out, int threads) throws IOException {
        return run(new LineBatches(in, source), out, threads);
    }

    long run(LineBatches batches, OutputStream out, int threads) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        if (threads == 1) {
            long written = 0;
            for (LineBatches.Batch b = batches.next(); b != null; b = batches.next()) {
                written += emit(scoreBatch(b), out);
            }
            return written;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "reward-scoring");
            t.setDaemon(true);
            return t;
        });
        try {
            // a bounded window of batches in flight keeps memory flat however long the input is
            ArrayDeque<Future<ScoredBatch>> window = new ArrayDeque<>();
            long written = 0;
            for (LineBatches.Batch b = batches.next(); b != null; b = batches.next()) {
                LineBatches.Batch batch = b;
                window.add(pool.submit(() -> scoreBatch(batch)));
                if (window.size() >= 2 * threads) {
                    written += emit(take(window.poll()), out);
                }
            }
            while (!window.isEmpty()) {
                written += emit(take(window.poll()), out);
            }
            return written;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The scored lines of a batch, and the fault that stopped it (null when every line was good). */
    private record ScoredBatch(byte[] data, int length, int lines, RuntimeException fault) {
    }

    private static ScoredBatch take(Future<ScoredBatch> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while scoring");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IOException(e.getCause());
        }
    }

    private static long emit(ScoredBatch b, OutputStream out) throws IOException {
        out.write(b.data(), 0, b.length());
        if (b.fault() != null) {
            out.flush();
            throw b.fault();
        }
        return b.lines();
    }

    private ScoredBatch scoreBatch(LineBatches.Batch b) {
        ByteSink sink = new ByteSink(b.length() + b.lineCount() * 96);
        StringBuilder tail = new StringBuilder(128);
        int lines = 0;
        byte[] buf = b.data();
        int pos = b.offset();
        int stop = b.offset() + b.length();
        long lineNo = b.firstLine();
        try {
            while (pos < stop) {
                int nl = pos;
                while (nl < stop && buf[nl] != '\n') {
                    nl++;
                }
                int end = nl;
                // trailing whitespace, the CR of a CRLF among it
                while (end > pos && isAsciiSpace(buf[end - 1])) {
                    end--;
                }
                if (end > pos && !blank(buf, pos, end)) {
                    tail.setLength(0);
                    score(buf, pos, end, lineNo, tail);
                    sink.write(buf, pos, end - pos - 1); // without the closing brace
                    sink.writeText(tail);
                    sink.write('\n');
                    lines++;
                }
                lineNo++;
                pos = nl + 1;
            }
        } catch (RuntimeException e) {
            return new ScoredBatch(sink.array(), sink.size(), lines, e);
        }
        return new ScoredBatch(sink.array(), sink.size(), lines, null);
    }

    private static boolean isAsciiSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\r' || (c >= 0x0b && c <= 0x0c) || (c >= 0x1c && c <= 0x1f);
    }

    /** Whether a line holds only whitespace, Unicode whitespace included (as {@link String#isBlank()}). */
    private static boolean blank(byte[] buf, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            byte c = buf[i];
            if (c < 0) {
                ascii = false;
            } else if (!isAsciiSpace(c)) {
                return false;
            }
        }
        return !ascii && new String(buf, from, to - from, StandardCharsets.UTF_8).isBlank();
    }

    /** Scores the line {@code buf[from, to)} (no trailing whitespace) and appends what follows its copied body. */
    private void score(byte[] buf, int from, int to, long lineNo, StringBuilder out) {
        String completion = null;
        String solution = null;
        String taskName = null;
        ImageSize size = null;
        int fields = 0;
        Utf8.requireValidLine(buf, from, to - from, source, lineNo); // the line is copied to the output undecoded
        try (JsonParser p = json.createParser(buf, from, to - from)) {
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
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
