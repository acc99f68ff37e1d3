package org.visualrft.train;

import org.visualrft.core.BadInputException;
import org.visualrft.core.answer.AnswerExtractor;
import org.visualrft.core.geometry.Box;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.train.data.TrainingExample;

/**
 * The ground-truth box of a grounding record as the LISA evaluation script holds it: the annotation's box in pixels
 * of the original image divided by the image's width and height. {@code visual-rft build-dataset --reasonseg} keeps
 * that box in the record's {@code box} column ({@code [x1, y1, x2, y2]}); a record without one falls back to its
 * solution's first box divided by 1000 (those coordinates were truncated to integers: within 0.001 of the script's).
 */
final class LisaGroundTruth {
    private LisaGroundTruth() {
    }

    static Box of(TrainingExample ex) {
        Object column = ex.reward().columns().get("box");
        ImageSize size = ex.reward().imageSize();
        if (column != null && size != null) {
            String[] parts = column.toString().strip().replaceAll("^\\[|\\]$", "").split(",");
            try {
                if (parts.length == 4) {
                    return new Box(Double.parseDouble(parts[0].strip()) / size.width(),
                            Double.parseDouble(parts[1].strip()) / size.height(),
                            Double.parseDouble(parts[2].strip()) / size.width(),
                            Double.parseDouble(parts[3].strip()) / size.height());
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadInputException("record " + ex.id(), "box must be [x1, y1, x2, y2] in pixels, got " + column);
        }
        Box gt = AnswerExtractor.grounding(ex.solution()).first();
        if (gt == null) {
            throw new BadInputException("record " + ex.id(), "grounding solution has no (x1,y1),(x2,y2) box: "
                    + ex.solution());
        }
        return gt.scale(1e-3, 1e-3);
    }
}
