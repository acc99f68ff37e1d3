package org.visualrft.model.policy;

import org.visualrft.model.tensor.Tensor;

/** A named weight of a model, as stored in its safetensors file. Trainable ones have requiresGrad set. */
public record Parameter(String name, Tensor value) {
}
