package org.visualrft.train.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.data.JsonlDatasetReader;
import org.visualrft.core.data.Sample;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;

/**
 * Training examples from a dataset file: ViRFT-style JSON Lines ({@code image}, {@code problem}, {@code solution},
 * optional {@code task}, {@code width}/{@code height}, and a {@code thinking} column for SFT targets with a thinking
 * part). A record without {@code task} gets one from its solution: boxes with {@code Position} or {@code No Objects}
 * are detection, {@code (x1,y1),(x2,y2)} is grounding, anything else classification.
 */
public final class ExampleLoader {
    private static final java.util.regex.Pattern CORNERS = java.util.regex.Pattern.compile(
            "\\(\\s*-?\\d+\\s*,\\s*-?\\d+\\s*\\)\\s*,\\s*\\(\\s*-?\\d+\\s*,\\s*-?\\d+\\s*\\)");

    private ExampleLoader() {
    }

    public static List<TrainingExample> load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "no such dataset file (a ViRFT-style .jsonl is expected)");
        }
        List<TrainingExample> out = new ArrayList<>();
        for (Sample s : JsonlDatasetReader.read(file)) {
            out.add(of(s, file.toString()));
        }
        if (out.isEmpty()) {
            throw new BadInputException(file, "has no records");
        }
        return out;
    }

    public static TrainingExample of(Sample s, String source) {
        String where = source + " record " + s.id();
        if (s.solution() == null) {
            throw new BadInputException(where, "has no solution");
        }
        Task task = s.task() != null ? Task.parseOrNull(s.task()) : infer(s.solution());
        if (task == null) {
            throw new BadInputException(where, "unknown task '" + s.task()
                    + "' (detection, classification, grounding)");
        }
        Map<String, Object> columns = new LinkedHashMap<>(s.columns());
        String thinking = s.columns().get("thinking");
        return new TrainingExample(s.id(), new Prompt(image(s.image(), where), s.problem() == null ? "" : s.problem()),
                new RewardSample(s.solution(), task, s.size(), columns), thinking);
    }

    static Task infer(String solution) {
        if (solution.contains("Position") || solution.contains("No Objects")) {
            return Task.DETECTION;
        }
        if (CORNERS.matcher(solution).find()) {
            return Task.GROUNDING;
        }
        return Task.CLASSIFICATION;
    }

    /** Decodes a record's image; a fault names the record and, for a file, the image file too. */
    static Image image(ImageRef ref, String where) {
        if (ref instanceof ImageRef.File f) {
            try {
                return Image.read(f.path());
            } catch (BadInputException e) {
                if (!f.path().toString().equals(e.source())) {
                    throw e; // not about the image (the pixel-limit setting itself, say)
                }
                throw new BadInputException(where, "image " + f.path() + ": " + e.fault(), e);
            }
        }
        return Image.decode(((ImageRef.Bytes) ref).data(), where + " (image bytes)");
    }
}
