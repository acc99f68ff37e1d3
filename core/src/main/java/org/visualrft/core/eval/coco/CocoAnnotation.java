package org.visualrft.core.eval.coco;

/**
 * One ground-truth box: {@code bbox = [x, y, width, height]} in pixels. {@code area} is the file's own field (the
 * evaluators use it, not width × height, to decide the area range). {@code ignore} is LVIS's optional flag; COCO
 * evaluation ignores it and uses {@code crowd} instead, as pycocotools does.
 */
public record CocoAnnotation(long id, long imageId, long categoryId, double x, double y, double width,
        double height, double area, boolean crowd, boolean ignore) {
}
