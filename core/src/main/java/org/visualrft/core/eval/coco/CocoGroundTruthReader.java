package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonToken;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.visualrft.core.data.json.JsonSource;

/**
 * Streaming reader of COCO / LVIS ground-truth JSON. Fields it does not need (segmentations, licenses, info) are
 * skipped without being built, so a 400 MB LVIS file costs little memory.
 */
final class CocoGroundTruthReader {
    private CocoGroundTruthReader() {
    }

    static CocoGroundTruth read(Path file) {
        try (JsonSource in = JsonSource.open(file)) {
            return read(in);
        }
    }

    static CocoGroundTruth read(JsonSource in) {
        in.expectNext(JsonToken.START_OBJECT, "a JSON object with images, annotations and categories");
        List<CocoImage> images = null;
        List<CocoAnnotation> annotations = null;
        List<CocoCategory> categories = null;
        while (in.next() == JsonToken.FIELD_NAME) {
            String field = in.fieldName();
            switch (field) {
                case "images" -> images = readArray(in, "images", CocoGroundTruthReader::readImage);
                case "annotations" -> annotations = readArray(in, "annotations", CocoGroundTruthReader::readAnnotation);
                case "categories" -> categories = readArray(in, "categories", CocoGroundTruthReader::readCategory);
                default -> {
                    in.next();
                    in.skipValue();
                }
            }
        }
        if (in.next() != null) {
            throw in.fault("unexpected content after the top-level object");
        }
        if (images == null) {
            throw in.faultNoPosition("missing field \"images\"");
        }
        if (annotations == null) {
            throw in.faultNoPosition("missing field \"annotations\"");
        }
        if (categories == null) {
            throw in.faultNoPosition("missing field \"categories\"");
        }
        requireUnique(in, "image", images.stream().map(CocoImage::id).toList());
        requireUnique(in, "category", categories.stream().map(CocoCategory::id).toList());
        requireUnique(in, "annotation", annotations.stream().map(CocoAnnotation::id).toList());
        return new CocoGroundTruth(images, categories, annotations);
    }

    static <T> List<T> readArray(JsonSource in, String what, JsonObjectArray.ElementReader<T> element) {
        in.expectNext(JsonToken.START_ARRAY, "\"" + what + "\" as an array");
        return JsonObjectArray.readElements(in, index -> what + "[" + index + "]", element);
    }

    private static void requireUnique(JsonSource in, String what, List<Long> ids) {
        Set<Long> seen = new HashSet<>(ids.size() * 2);
        for (Long id : ids) {
            if (!seen.add(id)) {
                throw in.faultNoPosition("duplicate " + what + " id " + id);
            }
        }
    }

    private static CocoImage readImage(JsonSource in, int index) {
        Long id = null;
        int width = -1;
        int height = -1;
        String fileName = null;
        String cocoUrl = null;
        List<Long> neg = null;
        List<Long> notExhaustive = null;
        while (in.next() == JsonToken.FIELD_NAME) {
            String f = in.fieldName();
            in.next();
            switch (f) {
                case "id" -> id = in.idValue("id");
                case "width" -> width = size(in, "width");
                case "height" -> height = size(in, "height");
                case "file_name" -> fileName = in.current() == JsonToken.VALUE_NULL ? null : in.stringValue("file_name");
                case "coco_url" -> cocoUrl = in.current() == JsonToken.VALUE_NULL ? null : in.stringValue("coco_url");
                case "neg_category_ids" -> neg = readIds(in, "neg_category_ids");
                case "not_exhaustive_category_ids" -> notExhaustive = readIds(in, "not_exhaustive_category_ids");
                default -> in.skipValue();
            }
        }
        in.requireField(id, "id");
        return new CocoImage(id, width, height, fileName, cocoUrl, neg, notExhaustive);
    }

    private static int size(JsonSource in, String what) {
        long v = in.idValue(what);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw in.fault(what + " must be a non-negative integer, found " + v);
        }
        return (int) v;
    }

    private static List<Long> readIds(JsonSource in, String what) {
        if (in.current() != JsonToken.START_ARRAY) {
            throw in.fault(what + " must be an array of ids");
        }
        List<Long> ids = new ArrayList<>();
        while (in.next() != JsonToken.END_ARRAY) {
            ids.add(in.idValue(what));
        }
        return List.copyOf(ids);
    }

    private static CocoCategory readCategory(JsonSource in, int index) {
        Long id = null;
        String name = null;
        String frequency = null;
        while (in.next() == JsonToken.FIELD_NAME) {
            String f = in.fieldName();
            in.next();
            switch (f) {
                case "id" -> id = in.idValue("id");
                case "name" -> name = in.stringValue("name");
                case "frequency" -> frequency = in.stringValue("frequency");
                default -> in.skipValue();
            }
        }
        in.requireField(id, "id");
        return new CocoCategory(id, name, frequency);
    }

    private static CocoAnnotation readAnnotation(JsonSource in, int index) {
        Long id = null;
        Long imageId = null;
        Long categoryId = null;
        double[] box = null;
        Double area = null;
        boolean crowd = false;
        boolean ignore = false;
        while (in.next() == JsonToken.FIELD_NAME) {
            String f = in.fieldName();
            in.next();
            switch (f) {
                case "id" -> id = in.idValue("id");
                case "image_id" -> imageId = in.idValue("image_id");
                case "category_id" -> categoryId = in.idValue("category_id");
                case "bbox" -> box = readBox(in, "bbox");
                case "area" -> area = in.doubleValue("area");
                case "iscrowd" -> crowd = flag(in, "iscrowd");
                case "ignore" -> ignore = flag(in, "ignore");
                default -> in.skipValue();
            }
        }
        in.requireField(id, "id");
        in.requireField(imageId, "image_id");
        in.requireField(categoryId, "category_id");
        in.requireField(box, "bbox");
        in.requireField(area, "area");
        if (area < 0) {
            throw in.fault("area must not be negative, found " + area);
        }
        return new CocoAnnotation(id, imageId, categoryId, box[0], box[1], box[2], box[3], area, crowd, ignore);
    }

    /** A 0/1 integer or a boolean, as Python's truthiness reads COCO's {@code iscrowd}. */
    private static boolean flag(JsonSource in, String what) {
        return switch (in.current()) {
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NUMBER_INT -> in.longValue(what) != 0;
            default -> throw in.fault(what + " must be 0, 1 or a boolean");
        };
    }

    /** {@code [x, y, width, height]}: four finite numbers, width and height not negative. */
    static double[] readBox(JsonSource in, String what) {
        if (in.current() != JsonToken.START_ARRAY) {
            throw in.fault(what + " must be an array [x, y, width, height]");
        }
        double[] box = new double[4];
        int n = 0;
        while (in.next() != JsonToken.END_ARRAY) {
            if (n == 4) {
                throw in.fault(what + " must have 4 numbers");
            }
            box[n] = in.doubleValue(what);
            n++;
        }
        if (n != 4) {
            throw in.fault(what + " must have 4 numbers, found " + n);
        }
        if (box[2] < 0 || box[3] < 0) {
            throw in.fault(what + " has a negative size (width " + box[2] + ", height " + box[3] + ")");
        }
        return box;
    }
}
