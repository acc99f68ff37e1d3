package org.visualrft.train.metrics;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A training run's metrics as TensorBoard scalars ({@code report_to: tensorboard}): each {@code metrics.jsonl} record
 * becomes one event at its {@code step}, every number in it a scalar, tagged as Hugging Face's trainer tags them
 * ({@code train/loss}, {@code train/rewards/iou}, …; {@code eval/…} keys as they are). Each process start writes a
 * new event file into the logging folder; a resumed run's file starts with a session start at the first step it
 * will log, so the interrupted run's points after its last checkpoint are dropped there as they are from
 * {@code metrics.jsonl}.
 */
public final class TensorBoardLog implements AutoCloseable {
    private final TfEventsFile file;
    private final Path path;

    private TensorBoardLog(TfEventsFile file, Path path) {
        this.file = file;
        this.path = path;
    }

    /** A new event file in {@code dir} (created if missing) for a run that resumes after {@code resumedStep} (0: none). */
    public static TensorBoardLog open(Path dir, int resumedStep) throws IOException {
        Files.createDirectories(dir);
        String stem = "events.out.tfevents." + System.currentTimeMillis() / 1000 + "." + host() + "."
                + ProcessHandle.current().pid() + ".";
        for (int n = 0; ; n++) {
            Path p = dir.resolve(stem + n);
            try {
                TfEventsFile f = TfEventsFile.create(p);
                double now = now();
                f.fileVersion(now);
                if (resumedStep > 0) {
                    f.sessionStart(now, resumedStep + 1L);
                }
                f.flush();
                return new TensorBoardLog(f, p);
            } catch (FileAlreadyExistsException taken) {
                // another start of this process's id within the second (a quick resume): the next number
            }
        }
    }

    /** The event file being written. */
    public Path file() {
        return path;
    }

    /** One metrics record: its {@code step} and every other numeric value (booleans and text are left out). */
    public void write(Map<String, Object> record) throws IOException {
        Object step = record.get("step");
        if (!(step instanceof Number s)) {
            throw new IllegalArgumentException("a metrics record without a step: " + record.keySet());
        }
        List<TfEventsFile.Scalar> values = new ArrayList<>();
        for (Map.Entry<String, Object> e : record.entrySet()) {
            if (!e.getKey().equals("step") && e.getValue() instanceof Number n) {
                values.add(new TfEventsFile.Scalar(tag(e.getKey()), n.doubleValue()));
            }
        }
        file.scalars(now(), s.longValue(), values);
        file.flush();
    }

    /** A markdown text (the text plugin's) at {@code step} under {@code tag}, flushed. */
    public void text(long step, String tag, String markdown) throws IOException {
        file.text(now(), step, tag, markdown);
        file.flush();
    }

    /** {@code eval/…} as it is, every other key under {@code train/}. */
    static String tag(String key) {
        return key.startsWith("eval/") ? key : "train/" + key;
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static double now() {
        return System.currentTimeMillis() / 1000.0;
    }

    /** The machine's name as the kernel reports it, kept to file-name-safe characters. */
    private static String host() {
        String name = "localhost";
        try {
            name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException | RuntimeException notLinux) {
            String env = System.getenv("HOSTNAME");
            name = env == null ? name : env;
        }
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() ? "localhost" : name;
    }
}
