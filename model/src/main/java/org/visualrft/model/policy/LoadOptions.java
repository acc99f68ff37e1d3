package org.visualrft.model.policy;

import java.nio.file.Path;
import java.util.Objects;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;

/**
 * How to open a model folder, as a training config asks for it ({@code device}, {@code torch_dtype},
 * {@code use_peft} and {@code lora_*}, {@code min_pixels}, {@code max_pixels}): where the weights go, the compute
 * dtype (null: the folder's own {@code config.json} {@code torch_dtype}), LoRA adapters to attach (null: none, the
 * model is trained in full), the seed of the adapters' initial A matrices, and the pixel area an image is resized
 * into (null: the folder's {@code preprocessor_config.json}; families that resize by area only — the Qwen ones — read
 * them; the built-in model resizes every image to its fixed input and has none), and whether full fine-tuning
 * leaves the vision tower out ({@code freeze_vision_modules}; null: the family's own choice, which is frozen for the Qwen
 * families and trained for the built-in model). Taken as given: the {@code vrft.dtype} and {@code vrft.lora.*} system
 * properties, which a folder opened without options follows, do not add to it.
 *
 * @param freezeVision true: the vision tower (with its projection into the language model) is not trained; false: full
 *                     fine-tuning trains it with the language model, as Hugging Face's Trainer and the original
 *                     Visual-RFT do, and LoRA's targets are matched over the vision tower's linear layers too, as PEFT
 *                     matches them over the whole model (the tower's base weights stay frozen); null: the family's
 *                     default (with adapters: as the adapters say, {@link LoraConfig#visionTower()})
 */
public record LoadOptions(Device device, DType dtype, LoraConfig lora, long loraSeed, Integer minPixels,
        Integer maxPixels, Boolean freezeVision) {
    public LoadOptions {
        Objects.requireNonNull(device, "device");
        if (lora != null && freezeVision != null && lora.visionTower() != !freezeVision) {
            lora = lora.withVisionTower(!freezeVision);
        }
        if ((minPixels != null && minPixels < 1) || (maxPixels != null && maxPixels < 1)
                || (minPixels != null && maxPixels != null && minPixels > maxPixels)) {
            throw new IllegalArgumentException("pixel limits must be positive with min <= max, got min "
                    + minPixels + ", max " + maxPixels);
        }
    }

    /** The family's own choice of a frozen or trained vision tower. */
    public LoadOptions(Device device, DType dtype, LoraConfig lora, long loraSeed, Integer minPixels,
            Integer maxPixels) {
        this(device, dtype, lora, loraSeed, minPixels, maxPixels, null);
    }

    /** The folder's own image processing. */
    public LoadOptions(Device device, DType dtype, LoraConfig lora, long loraSeed) {
        this(device, dtype, lora, loraSeed, null, null);
    }

    /** The folder's own dtype, no adapters, on {@code device}. */
    public static LoadOptions on(Device device) {
        return new LoadOptions(device, null, null, 0);
    }

    /** The same options with images resized into {@code [minPixels, maxPixels]} (null: the folder's). */
    public LoadOptions withPixels(Integer min, Integer max) {
        return new LoadOptions(device, dtype, lora, loraSeed, min, max, freezeVision);
    }

    /**
     * The same options with {@code lora} adapters attached (null: none); adapters on the vision tower
     * ({@link LoraConfig#visionTower()}, e.g. a PEFT folder's) leave it unfrozen.
     */
    public LoadOptions withLora(LoraConfig lora) {
        return new LoadOptions(device, dtype, lora, loraSeed, minPixels, maxPixels,
                lora != null && lora.visionTower() ? Boolean.FALSE : freezeVision);
    }

    /** The same options with the vision tower frozen (true), trained (false) or as the family chooses (null). */
    public LoadOptions withFreezeVision(Boolean freeze) {
        return new LoadOptions(device, dtype, lora, loraSeed, minPixels, maxPixels, freeze);
    }

    /**
     * Full fine-tuning trains the vision tower: asked for explicitly (no family trains a Qwen tower by default), and
     * without adapters (with them, an unfrozen tower gets adapters instead and its base weights stay frozen).
     */
    public boolean trainsVision() {
        return Boolean.FALSE.equals(freezeVision) && lora == null;
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

    /**
     * For a family that cannot leave part of itself out of training: a one-line fault when {@code freezeVision} asks
     * for that, with {@code dir} as the source.
     */
    public void requireNoFrozenVision(Path dir, String modelType) {
        if (Boolean.TRUE.equals(freezeVision)) {
            throw new BadInputException(dir, "model_type " + modelType + " cannot freeze a vision tower"
                    + " (freeze_vision_modules: true); it trains all its weights: set freeze_vision_modules: false");
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
