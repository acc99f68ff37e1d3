package org.visualrft.core.reward;

import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.Box;

/** Ground-truth boxes into the model's coordinate frame, using the sample's image size. */
final class FrameConversion {
    private FrameConversion() {
    }

    static Box toModelFrame(Box gt, RewardSample sample, RewardOptions options) {
        if (!options.convertsFrames()) {
            return gt;
        }
        if (sample.imageSize() == null) {
            throw new BadInputException("sample", "image_size is required to convert boxes from "
                    + options.datasetFrame() + " to " + options.modelFrame());
        }
        return options.datasetFrame().convert(gt, options.modelFrame(), sample.imageSize(), options.resize());
    }
}
