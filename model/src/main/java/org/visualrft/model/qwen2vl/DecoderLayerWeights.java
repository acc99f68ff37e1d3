package org.visualrft.model.qwen2vl;

import org.visualrft.model.tensor.Tensor;

/**
 * A Qwen decoder layer's weights as the static-cache rollout engine reads them: the seven projections, the two
 * RMSNorms around attention and MLP, and (Qwen3) the per-head RMSNorms of q and k.
 */
public interface DecoderLayerWeights extends DecoderProjections {
    Tensor inputNorm();

    Tensor postNorm();

    /** The per-head RMSNorm weight of q {@code [headDim]} (Qwen3); null where the family has none (Qwen2). */
    default Tensor qNorm() {
        return null;
    }

    /** As {@link #qNorm()} for k. */
    default Tensor kNorm() {
        return null;
    }
}
