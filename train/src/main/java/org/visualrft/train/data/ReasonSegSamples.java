package org.visualrft.train.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.ImageRef;
import org.visualrft.core.data.Sample;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.prompt.VisualRftPrompts;

/**
 * Reasoning-grounding samples from LISA's ReasonSeg layout, as Visual-RFT built its LISA set (docs/original-code.md,
 * "Reasoning grounding data"): a folder of {@code <name>.jpg} and {@code <name>.json}, the JSON holding {@code text}
 * (the instructions), {@code shapes} (polygons: {@code points}, {@code label}) and {@code is_sentence}. The box is the
 * axis-aligned extent of the first polygon; each instruction is a sample whose problem is the training prompt
 * ({@link VisualRftPrompts#lisaTraining}) and whose solution is {@code <answer> (x1,y1),(x2,y2) </answer>} with
 * corners {@code int(v / W * 1000)} (truncation toward zero, W and H the image's size). Columns: {@code instruction},
 * {@code is_sentence}, {@code box} (the extent in pixels, what the LISA evaluation scores against).
 */
public final class ReasonSegSamples {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReasonSegSamples() {
    }

    /**
     * The samples of every {@code *.json} in {@code folder}, in file-name order; {@code cot}: the prompt with its
     * thinking instruction; {@code firstOnly}: one sample per image, its first instruction (what the LISA evaluation
     * script asks). A fault (no image, no instruction, no polygon, a polygon without area) is a BadInputException
     * naming the file.
     */
    public static List<Sample> build(Path folder, boolean cot, boolean firstOnly) {
        if (!Files.isDirectory(folder)) {
            throw new BadInputException(folder, "no such ReasonSeg folder (<name>.jpg and <name>.json files)");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)).sorted()
                    .toList();
        } catch (IOException e) {
            throw new BadInputException(folder, "cannot list: " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new BadInputException(folder, "holds no <name>.json annotation");
        }
        List<Sample> out = new ArrayList<>();
        for (Path json : files) {
            out.addAll(samples(json, cot, firstOnly));
        }
        return out;
    }

    static List<Sample> samples(Path json, boolean cot, boolean firstOnly) {
        String name = json.getFileName().toString();
        String stem = name.substring(0, name.length() - ".json".length());
        Path image = json.resolveSibling(stem + ".jpg");
        if (!Files.isRegularFile(image)) {
            throw new BadInputException(json, "its image " + image.getFileName() + " is missing");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new BadInputException(json, "not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BadInputException(json, "not a JSON object");
        }
        List<String> instructions = new ArrayList<>();
        for (JsonNode t : root.path("text")) {
            if (!t.isTextual()) {
                throw new BadInputException(json, "text must be a list of instruction strings, found " + t);
            }
            instructions.add(t.asText());
        }
        if (!root.path("text").isArray() || instructions.isEmpty()) {
            throw new BadInputException(json, "text must be a non-empty list of instruction strings");
        }
        double[] box = firstPolygonExtent(json, root.path("shapes"));
        ImageSize size = size(image, json);
        String solution = "<answer> (" + norm(box[0], size.width()) + "," + norm(box[1], size.height()) + "),("
                + norm(box[2], size.width()) + "," + norm(box[3], size.height()) + ") </answer>";
        String pixels = "[" + box[0] + ", " + box[1] + ", " + box[2] + ", " + box[3] + "]";
        List<Sample> out = new ArrayList<>();
        for (int k = 0; k < (firstOnly ? 1 : instructions.size()); k++) {
            Map<String, String> cols = new LinkedHashMap<>();
            cols.put("instruction", instructions.get(k));
            cols.put("box", pixels);
            JsonNode sentence = root.get("is_sentence");
            if (sentence != null && !sentence.isNull()) {
                cols.put("is_sentence", sentence.asText());
            }
            out.add(new Sample(stem + "-" + k, ImageRef.file(image), VisualRftPrompts.lisaTraining(instructions.get(k),
                    cot), solution, size, "grounding", cols));
        }
        return out;
    }

    /** {@code [xmin, ymin, xmax, ymax]} of the first shape's points; a fault when it has no area. */
    private static double[] firstPolygonExtent(Path json, JsonNode shapes) {
        if (!shapes.isArray() || shapes.isEmpty()) {
            throw new BadInputException(json, "no shapes: the box is the first polygon's extent");
        }
        JsonNode points = shapes.get(0).path("points");
        double[] box = {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.NEGATIVE_INFINITY};
        for (JsonNode p : points) {
            if (!p.isArray() || p.size() != 2 || !p.get(0).isNumber() || !p.get(1).isNumber()) {
                throw new BadInputException(json, "shapes[0].points must be [x, y] pairs, found " + p);
            }
            double x = p.get(0).asDouble();
            double y = p.get(1).asDouble();
            box[0] = Math.min(box[0], x);
            box[1] = Math.min(box[1], y);
            box[2] = Math.max(box[2], x);
            box[3] = Math.max(box[3], y);
        }
        if (!points.isArray() || !(box[2] > box[0]) || !(box[3] > box[1])) {
            throw new BadInputException(json, "shapes[0] is a degenerate polygon (its extent has no area): "
                    + points);
        }
        return box;
    }

    /** Python's {@code int(v / size * 1000)}: truncation toward zero. */
    private static long norm(double v, int size) {
        return (long) (v / size * 1000);
    }

    private static ImageSize size(Path image, Path json) {
        try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
            Iterator<ImageReader> readers = in == null ? java.util.Collections.emptyIterator()
                    : ImageIO.getImageReaders(in);
            if (readers.hasNext()) {
                ImageReader r = readers.next();
                try {
                    r.setInput(in, true, true);
                    if (r.getWidth(0) > 0 && r.getHeight(0) > 0) {
                        return new ImageSize(r.getWidth(0), r.getHeight(0));
                    }
                } finally {
                    r.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(json, "its image " + image.getFileName() + " cannot be read: "
                    + e.getMessage(), e);
        }
        throw new BadInputException(json, "its image " + image.getFileName() + " is not an image this JVM can decode");
    }
}
