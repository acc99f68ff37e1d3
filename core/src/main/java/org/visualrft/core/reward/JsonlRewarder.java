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
import org.visualrft.core.io.Utf8LineReader;

/**
 * Streams JSON Lines through reward sets: every input line is an object with {@code completion}, {@code solution},
 * optional {@code task} and optional {@code image_size} ({@code [w, h]} or {@code {"width": w, "height": h}}); the
 * output line is the input line, unchanged, with {@code "rewards": {name: value, ...}} and {@code "reward": sum}
 * appended (a line scored before loses its old top-level ones first, so no key repeats). Streams: batches of lines are scored in parallel and written in input order, a bounded number in
 * memory at a time. A line that is not such an object is a {@link BadInputException} naming the source and line
 * number. Plain lines are read by {@link LineFieldScanner}; every other line, and so every error message, by
 * Jackson.
 */
public final class JsonlRewarder {
    private final String source;
    private final Task defaultTask;
    private final Map<Task, RewardSet> sets = new EnumMap<>(Task.class);
    /** Each set's output keys, encoded once. */
    private final Map<Task, byte[][]> outputKeys = new EnumMap<>(Task.class);
    private final int maxParts;
    /** The set when one set scores every task (a --rewards list): then a line needs no task. Else null. */
    private final RewardSet sameSetForEveryTask;
    private final JsonFactory json = new JsonFactory();

    /**
     * @param source      the input's name for error messages
     * @param defaultTask the task for lines without a {@code task} field (null: such lines are errors, unless one
     *                    set scores every task)
     * @param setForTask  the reward set of each task
     */
    public JsonlRewarder(String source, Task defaultTask, java.util.function.Function<Task, RewardSet> setForTask) {
        this.source = source;
        this.defaultTask = defaultTask;
        int most = 0;
        for (Task t : Task.values()) {
            RewardSet set = setForTask.apply(t);
            sets.put(t, set);
            outputKeys.put(t, keys(set));
            most = Math.max(most, set.parts().size());
        }
        maxParts = most;
        RewardSet first = sets.get(Task.values()[0]);
        sameSetForEveryTask = sets.values().stream().allMatch(s -> s == first) ? first : null;
    }

    /**
     * Processes every line of {@code in} on {@code threads} threads (1: this thread only) and writes the results to
     * {@code out} in input order; returns the number of lines written. Lines are cut from the raw UTF-8 bytes and
     * copied through unchanged, so only the JSON fields the rewards read are decoded. On a bad line, every line
     * before it is written and then the {@link BadInputException} is thrown.
     */
    public long run(InputStream in, OutputStream out, int threads) throws IOException {
        return run(new LineBatches(in), out, threads);
    }

    long run(LineBatches batches, OutputStream out, int threads) throws IOException {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
        Emitter emitter = new Emitter(out);
        if (threads == 1) {
            try {
                for (LineBatches.Batch b = batches.next(); b != null; b = batches.next()) {
                    emitter.emit(scoreBatch(b));
                }
            } catch (LineBatches.LineTooLong e) {
                throw emitter.tooLong();
            }
            return emitter.written;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "reward-scoring");
            t.setDaemon(true);
            return t;
        });
        try {
            // a bounded window of batches in flight keeps memory flat however long the input is
            ArrayDeque<Future<ScoredBatch>> window = new ArrayDeque<>();
            try {
                for (LineBatches.Batch b = batches.next(); b != null; b = batches.next()) {
                    LineBatches.Batch batch = b;
                    window.add(pool.submit(() -> scoreBatch(batch)));
                    if (window.size() >= 2 * threads) {
                        emitter.emit(take(window.poll()));
                    }
                }
            } catch (LineBatches.LineTooLong e) {
                while (!window.isEmpty()) { // the lines before it are written, and numbered
                    emitter.emit(take(window.poll()));
                }
                throw emitter.tooLong();
            }
            while (!window.isEmpty()) {
                emitter.emit(take(window.poll()));
            }
            return emitter.written;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The scored lines of a batch ({@code lines} written of {@code inputLines} read, blank ones included) and the
     * fault that stopped it: a bad line ({@code fault} at {@code faultLine}, 1-based within the batch) or another
     * error; both null when every line was good.
     */
    private record ScoredBatch(byte[] data, int length, int lines, int inputLines, int faultLine, String fault,
                               RuntimeException error) {
    }

    /** A bad line, numbered within its batch until the writer knows where the batch starts. */
    private static final class LineFault extends RuntimeException {
        final String fault;

        LineFault(String fault) {
            super(fault, null, false, false);
            this.fault = fault;
        }
    }

    /** Writes scored batches in input order and numbers their lines. */
    private final class Emitter {
        private final OutputStream out;
        long written;
        private long linesBefore;

        Emitter(OutputStream out) {
            this.out = out;
        }

        void emit(ScoredBatch b) throws IOException {
            out.write(b.data(), 0, b.length());
            if (b.fault() != null || b.error() != null) {
                out.flush();
                throw b.error() != null ? b.error() : bad(linesBefore + b.faultLine(), b.fault());
            }
            written += b.lines();
            linesBefore += b.inputLines();
        }

        BadInputException tooLong() {
            return bad(linesBefore + 1, "longer than " + (Utf8LineReader.MAX_LINE_BYTES >> 20) + " MB");
        }
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

    private ScoredBatch scoreBatch(LineBatches.Batch b) {
        // output lines are the input lines and ~20-100 bytes of rewards each; the sink grows if that is short
        ByteSink sink = new ByteSink(b.length() + (b.length() >> 2) + 256);
        LineFieldScanner scanner = new LineFieldScanner();
        double[] values = new double[maxParts];
        int lines = 0;
        int lineNo = 0;
        byte[] buf = b.data();
        int pos = b.offset();
        int stop = b.offset() + b.length();
        try {
            while (pos < stop) {
                int nl = pos;
                while (nl < stop && buf[nl] != '\n') {
                    nl++;
                }
                lineNo++;
                int end = nl;
                // trailing whitespace, the CR of a CRLF among it
                while (end > pos && isAsciiSpace(buf[end - 1])) {
                    end--;
                }
                if (end > pos && !blank(buf, pos, end)) {
                    score(buf, pos, end, scanner, values, sink);
                    lines++;
                }
                pos = nl + 1;
            }
        } catch (LineFault e) {
            return new ScoredBatch(sink.array(), sink.size(), lines, lineNo, lineNo, e.fault, null);
        } catch (RuntimeException e) {
            return new ScoredBatch(sink.array(), sink.size(), lines, lineNo, lineNo, null, e);
        }
        return new ScoredBatch(sink.array(), sink.size(), lines, lineNo, 0, null, null);
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

    /**
     * Scores the line {@code buf[from, to)} (no trailing whitespace) and writes it to {@code sink}: its bytes without
     * the closing brace, then the rewards and the closing brace. A bad line writes nothing and throws
     * {@link LineFault}.
     */
    private void score(byte[] buf, int from, int to, LineFieldScanner scanner, double[] values, ByteSink sink) {
        String completion;
        String solution;
        String taskName;
        ImageSize size;
        int fields;
        JacksonFields general = null;
        if (scanner.scan(buf, from, to)) {
            completion = scanner.completion;
            solution = scanner.solution;
            taskName = scanner.task;
            size = scanner.width > 0 ? new ImageSize(scanner.width, scanner.height) : null;
            fields = scanner.fields;
        } else {
            // the scanner takes ASCII lines only; anything else is copied to the output undecoded, so it must be UTF-8
            int invalid = Utf8.firstInvalid(buf, from, to - from);
            if (invalid >= 0) {
                throw bad(Utf8.fault(invalid - from, buf[invalid]));
            }
            JacksonFields f = jacksonFields(buf, from, to);
            general = f;
            completion = f.completion;
            solution = f.solution;
            taskName = f.task;
            size = f.size;
            fields = f.fields;
        }
        if (completion == null) {
            throw bad("missing \"completion\"");
        }
        if (solution == null) {
            throw bad("missing \"solution\"");
        }
        Task task = defaultTask;
        if (taskName != null) {
            task = Task.parseOrNull(taskName);
            if (task == null) {
                throw bad("unknown task \"" + taskName + "\" (detection, classification or grounding)");
            }
        }
        if (task == null && sameSetForEveryTask == null) {
            throw bad("no task (give --task or a \"task\" field)");
        }
        RewardSet set = task != null ? sets.get(task) : sameSetForEveryTask;
        RewardSample sample = new RewardSample(solution, task, size, Map.of());
        double total;
        try {
            total = set.scoreInto(completion, sample, values);
        } catch (BadInputException | IllegalArgumentException e) {
            // rewards score any model text; what throws is the line's own data under the set's options (no
            // image_size to convert the boxes' frames, a size Qwen's resize refuses): this line's fault
            throw bad(e instanceof BadInputException b ? b.fault() : e.getMessage());
        }
        if (general != null && general.scored != null) {
            fields = writeUnscored(buf, from, general, sink);
        } else {
            sink.write(buf, from, to - from - 1); // without the closing brace
        }
        sink.write(fields == 0 ? REWARDS_FIRST : REWARDS_AFTER);
        byte[][] keys = outputKeys.get(task != null ? task : Task.values()[0]);
        for (int i = 0; i < keys.length; i++) {
            sink.write(keys[i]);
            number(sink, values[i]);
        }
        sink.write(REWARD_TOTAL);
        number(sink, total);
        sink.write('}');
        sink.write('\n');
    }

    /**
     * A line scored before, without its old "rewards" and "reward" members (kept, they would repeat the keys the new
     * ones use) and without the closing brace: the other members' bytes as they were. Returns the members kept.
     */
    private static int writeUnscored(byte[] buf, int from, JacksonFields f, ByteSink sink) {
        sink.write(buf, from, (f.fields > 0 ? f.starts[0] : f.close) - from); // the brace and any space after it
        int kept = 0;
        for (int i = 0; i < f.fields; i++) {
            if (!f.scored[i]) { // a member runs to the next one's name, its comma included
                int end = i + 1 < f.fields ? f.starts[i + 1] : f.close;
                sink.write(buf, f.starts[i], end - f.starts[i]);
                kept++;
            }
        }
        int n = sink.size(); // the comma (and spaces) a dropped last member leaves behind
        byte[] a = sink.array();
        while (kept > 0 && (isAsciiSpace(a[n - 1]) || a[n - 1] == '\n' || a[n - 1] == ',')) {
            n--;
        }
        sink.truncate(n);
        return kept;
    }

    private static final byte[] REWARDS_FIRST = ascii("\"rewards\": {");
    private static final byte[] REWARDS_AFTER = ascii(", \"rewards\": {");
    private static final byte[] REWARD_TOTAL = ascii("}, \"reward\": ");
    private static final byte[] NAN = ascii("NaN");

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** {@code "name": } of each part of a set, the first without and the others with a leading {@code ", "}. */
    private static byte[][] keys(RewardSet set) {
        List<WeightedReward> parts = set.parts();
        byte[][] out = new byte[parts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = ascii((i > 0 ? ", " : "") + "\"" + parts.get(i).function().name() + "\": ");
        }
        return out;
    }

    /** JSON numbers; NaN (possible only in visual-rft mode, as in the original) is written as Python writes it. */
    private static void number(ByteSink out, double v) {
        if (Double.isNaN(v)) {
            out.write(NAN);
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.writeLong((long) v);
            out.write('.');
            out.write('0');
        } else {
            out.writeAscii(Double.toString(v));
        }
    }

    /** The fields the rewards read, as Jackson reads them: the general path, and every error message. */
    private static final class JacksonFields {
        String completion;
        String solution;
        String task;
        ImageSize size;
        int fields;
        /** Where each top-level member starts (its name's quote) and the closing brace, as offsets in the buffer. */
        int[] starts = new int[8];
        /** Members that are the old "rewards" / "reward" of a line scored before; null when there are none. */
        boolean[] scored;
        int close;

        void member(int start, boolean old) {
            if (fields == starts.length) {
                starts = java.util.Arrays.copyOf(starts, 2 * fields);
            }
            if (old && scored == null) {
                scored = new boolean[starts.length];
            }
            if (scored != null && scored.length < starts.length) {
                scored = java.util.Arrays.copyOf(scored, starts.length);
            }
            starts[fields] = start;
            if (scored != null) {
                scored[fields] = old;
            }
            fields++;
        }
    }

    private JacksonFields jacksonFields(byte[] buf, int from, int to) {
        JacksonFields f = new JacksonFields();
        try (JsonParser p = json.createParser(buf, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                f.member(from + (int) p.currentTokenLocation().getByteOffset(),
                        name.equals("rewards") || name.equals("reward"));
                JsonToken v = p.nextToken();
                switch (name) {
                    case "completion" -> f.completion = text(p, v, name);
                    case "solution" -> f.solution = text(p, v, name);
                    case "task" -> f.task = text(p, v, name);
                    case "image_size" -> f.size = imageSize(p, v);
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw bad("not a single JSON object");
            }
            f.close = from + (int) p.currentTokenLocation().getByteOffset();
            if (p.nextToken() != null) {
                throw bad("not a single JSON object");
            }
        } catch (JsonProcessingException e) {
            throw bad("invalid JSON (" + org.visualrft.core.data.json.JsonErrors.fault(e.getOriginalMessage()) + ")");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    private String text(JsonParser p, JsonToken v, String name) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw bad("\"" + name + "\" must be a string");
        }
        return p.getText();
    }

    private ImageSize imageSize(JsonParser p, JsonToken v) throws IOException {
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
            throw bad("\"image_size\" must be [width, height] or {\"width\": w, \"height\": h},"
                    + " positive integers");
        }
        return new ImageSize((int) w, (int) h);
    }

    private BadInputException bad(long lineNo, String fault) {
        return new BadInputException(source, "line " + lineNo + ": " + fault);
    }

    /** A bad line in a batch being scored (the writer adds the line number). */
    private static LineFault bad(String fault) {
        return new LineFault(fault);
    }
}
