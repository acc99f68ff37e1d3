package org.visualrft.model.qwen2vl;

import java.util.List;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Tensor;

/**
 * What {@link StaticDecoder} reads of a model: the text decoder's shape and weights, its dtype and device, and its
 * vocabulary projection. Qwen2-VL, Qwen2.5-VL and Qwen3-VL share this decoder (Qwen3 adds per-head q/k RMSNorms and
 * drops the q/k/v biases); a generated token has one M-RoPE id on all three axes, so the decode step rotates as
 * plain RoPE at that id in every family, interleaved sections (Qwen3-VL) or not.
 */
public interface StaticDecoding {
    /** The decoder's sizes. */
    record Shape(int layers, int heads, int kvHeads, int headDim, long intermediate, int vocab, double rmsNormEps,
                 double ropeTheta) {
    }

    Shape decoderShape();

    DType dtype();

    Device device();

    Tensor embedTokens();

    /** The final RMSNorm's weight. */
    Tensor finalNorm();

    List<? extends DecoderLayerWeights> decoderLayers();

    /** Logits over the vocabulary of final-normed hidden states (in the weights' dtype). */
    Tensor logits(Tensor hidden);
}
