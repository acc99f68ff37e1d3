package org.visualrft.core.reward;

import java.util.List;
import java.util.Map;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.QwenResize;

/**
 * Settings shared by the reward functions.
 *
 * @param modelFrame   the frame the model writes boxes in ({@code NORMALIZED_1000} for Qwen2-VL,
 *                     {@code RESIZED_PIXELS} for Qwen2.5-VL)
 * @param datasetFrame the frame of the boxes in the {@code solution} column
 * @param resize       the processor's resize rule (for {@code RESIZED_PIXELS})
 * @param synonyms     accepted alternative labels per class label (strict classification)
 */
public record RewardOptions(CoordinateFrame modelFrame, CoordinateFrame datasetFrame, QwenResize resize,
                            Map<String, List<String>> synonyms) {
    /** Qwen2-VL and the Visual-RFT datasets: 0–1000 on both sides, no synonyms. */
    public static final RewardOptions DEFAULT = new RewardOptions(CoordinateFrame.NORMALIZED_1000,
            CoordinateFrame.NORMALIZED_1000, QwenResize.TRAINING, Map.of());

    public RewardOptions {
        synonyms = ClassificationReward.normalizeKeys(synonyms == null ? Map.of() : synonyms);
    }

    public RewardOptions withFrames(CoordinateFrame model, CoordinateFrame dataset) {
        return new RewardOptions(model, dataset, resize, synonyms);
    }

    public RewardOptions withSynonyms(Map<String, List<String>> table) {
        return new RewardOptions(modelFrame, datasetFrame, resize, table);
    }

    /** True when ground-truth boxes must be converted before comparing them with the model's. */
    public boolean convertsFrames() {
        return modelFrame != datasetFrame;
    }
}
