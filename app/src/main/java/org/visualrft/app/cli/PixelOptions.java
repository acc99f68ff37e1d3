package org.visualrft.app.cli;

import org.visualrft.model.policy.LoadOptions;
import picocli.CommandLine.Option;

/**
 * The {@code --min-pixels} and {@code --max-pixels} options that {@code generate} and {@code evaluate} share: the
 * image area, as a training config's {@code min_pixels} and {@code max_pixels}.
 */
final class PixelOptions {
    @Option(names = "--max-pixels", paramLabel = "N", description = "Resize each image to at most N pixels, as a "
            + "training config's max_pixels (Qwen-VL; default: the model folder's preprocessor_config.json; "
            + "Visual-RFT trained with 401408).")
    Integer maxPixels;

    @Option(names = "--min-pixels", paramLabel = "N",
            description = "Resize each image to at least N pixels (default: the model folder's).")
    Integer minPixels;

    /** Whether either option was given. */
    boolean given() {
        return minPixels != null || maxPixels != null;
    }

    /** {@code base} with these limits; IllegalArgumentException for a bad value (the commands make it exit 2). */
    LoadOptions applyTo(LoadOptions base) {
        if (minPixels != null && minPixels < 1) {
            throw new IllegalArgumentException("--min-pixels must be a positive pixel area, got " + minPixels);
        }
        if (maxPixels != null && maxPixels < 1) {
            throw new IllegalArgumentException("--max-pixels must be a positive pixel area, got " + maxPixels);
        }
        if (minPixels != null && maxPixels != null && minPixels > maxPixels) {
            throw new IllegalArgumentException("--min-pixels " + minPixels + " exceeds --max-pixels " + maxPixels);
        }
        return base.withPixels(minPixels, maxPixels);
    }
}
