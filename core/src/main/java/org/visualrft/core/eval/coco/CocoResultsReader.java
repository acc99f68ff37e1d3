package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Path;
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
        List<CocoDetection> out = JsonObjectArray.readElements(in, index -> "detection [" + index + "]",
                (source, index) -> readDetection(source));
        if (in.next() != null) {
            throw in.fault("unexpected content after the top-level array");
        }
        return out;
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
        in.requireField(imageId, "image_id");
        in.requireField(categoryId, "category_id");
        in.requireField(box, "bbox");
        in.requireField(score, "score");
        return new CocoDetection(imageId, categoryId, box[0], box[1], box[2], box[3], score);
    }
}
