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

    private static CocoDetection readDetection(JsonSource in, int index) {
        String at = "[" + index + "]";
        Long imageId = null;
        Long categoryId = null;
        double[] box = null;
        Double score = null;
        while (in.next() == JsonToken.FIELD_NAME) {
            String f = in.fieldName();
            in.next();
            switch (f) {
                case "image_id" -> imageId = in.longValue(at + ".image_id");
                case "category_id" -> categoryId = in.longValue(at + ".category_id");
                case "bbox" -> box = CocoGroundTruthReader.readBox(in, at + ".bbox");
                case "score" -> score = in.doubleValue(at + ".score");
                default -> in.skipValue();
            }
        }
        if (imageId == null) {
            throw in.fault("detection " + at + " has no \"image_id\"");
        }
        if (categoryId == null) {
            throw in.fault("detection " + at + " has no \"category_id\"");
        }
        if (box == null) {
            throw in.fault("detection " + at + " has no \"bbox\"");
        }
        if (score == null) {
            throw in.fault("detection " + at + " has no \"score\"");
        }
        return new CocoDetection(imageId, categoryId, box[0], box[1], box[2], box[3], score);
    }
}
