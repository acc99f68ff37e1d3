package org.visualrft.core.eval.coco;

/** One entry of a COCO results file: a scored box {@code [x, y, width, height]} in pixels. */
public record CocoDetection(long imageId, long categoryId, double x, double y, double width, double height,
        double score) {

    /** Area as the reference tools compute it for results: width × height. */
    public double area() {
        return width * height;
    }
}
