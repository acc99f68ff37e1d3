package org.visualrft.model.policy;

import java.nio.file.Path;
import java.util.Objects;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;

/**
 * How to open a model folder, as a training config asks for it ({@code device}, {@code torch_dtype},
 * {@code use_peft} and {@code lora_*}): where the weights go, the compute dtype (null: the folder's own
 * {@code config.json} {@code torch_dtype}), LoRA adapters to attach (null: none, the model is trained in full) and the
 * seed of the adapters' initial A matrices. Taken as given: the {@code vrft.dtype} and {@code vrft.lora.*} system
 * properties, which a folder opened without options follows, do not add to it.
 */
public record LoadOptions(Device device, DType dtype, LoraConfig lora, long loraSeed) {
    public LoadOptions {
        Objects.requireNonNull(device, "device");
    }

    /** The folder's own dtype, no adapters, on {@code device}. */
    public static LoadOptions on(Device device) {
        return new LoadOptions(device, null, null, 0);
    }

    /**
     * For a family without adapters, running in {@code onlyDtype} (null: it takes no dtype setting): a one-line
     * fault naming the setting it cannot honour, with {@code dir} as the source.
     */
    public void requireNoAdapters(Path dir, String modelType, DType onlyDtype) {
        if (lora != null) {
            throw new BadInputException(dir, "model_type " + modelType + " takes no LoRA adapters (use_peft: true);"
                    + " it trains all its weights: set use_peft: false");
        }
        if (dtype != null && dtype != onlyDtype) {
            throw new BadInputException(dir, "model_type " + modelType + (onlyDtype == null
                    ? " takes no torch_dtype setting" : " runs in " + torchName(onlyDtype) + " only")
                    + ", not torch_dtype: " + torchName(dtype));
        }
    }

    /** The dtype's name in config.json and in a training config ({@code bfloat16}, {@code float32}, ...). */
    public static String torchName(DType d) {
        return switch (d) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F32 -> "float32";
            default -> d.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
