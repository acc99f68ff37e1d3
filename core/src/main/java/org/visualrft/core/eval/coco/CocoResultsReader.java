package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.data.json.JsonSource;

/** Streaming reader of a COCO results file: a JSON array of {@code {image_id, category_id, bbox, score}}. */
public final class CocoResultsReader {
    private CocoResultsReader() {
    }

    /** Reads all detections in file order (file order decides ties, so it is kept). */
    public static List<CocoDetection> read(Path file) {
        try (JsonSource in = JsonSource.open(file)) {
            return read(in);
        }
    }

    static List<CocoDetection> read(JsonSource in) {
        in.expectNext(JsonToken.START_ARRAY, "a JSON array of detections");
        List<CocoDetection> out = new ArrayList<>();
        while (in.next() != JsonToken.END_ARRAY) {
            if (in.current() != JsonToken.START_OBJECT) {
                throw in.fault("detection [" + out.size() + "] must be an object");
            }
            out.add(readDetection(in, out.size()));
        }
        if (in.next() != null) {
            throw in.fault("unexpected content after the top-level array");
        }
        return out;
    }

    /** Error texts name the element ("[12].bbox"); built only when something is wrong. */
    private static CocoDetection readDetection(JsonSource in, int index) {
        try {
            return readDetection(in);
        } catch (org.visualrft.core.BadInputException e) {
            throw new org.visualrft.core.BadInputException(e.source(), "detection [" + index + "]: " + e.fault(),
                    e);
        }
    }

    private static CocoDetection readDetection(JsonSource in) {
        Long imageId = null;
        Long categoryId = null;
        double[] box = null;
        Double score = null;
        while (in.next() == JsonToken.FIELD_NAME) {
            String f = in.fieldName();
            in.next();
            switch (f) {
                case "image_id" -> imageId = in.idValue("image_id");
                case "category_id" -> categoryId = in.idValue("category_id");
                case "bbox" -> box = CocoGroundTruthReader.readBox(in, "bbox");
                case "score" -> score = in.doubleValue("score");
                default -> in.skipValue();
            }
        }
        if (imageId == null) {
            throw in.fault("no \"image_id\"");
        }
        if (categoryId == null) {
            throw in.fault("no \"category_id\"");
        }
        if (box == null) {
            throw in.fault("no \"bbox\"");
        }
        if (score == null) {
            throw in.fault("no \"score\"");
        }
        return new CocoDetection(imageId, categoryId, box[0], box[1], box[2], box[3], score);
    }
}
