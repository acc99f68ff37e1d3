package org.visualrft.core.geometry;

/**
 * Qwen2-VL / Qwen2.5-VL {@code smart_resize}: both sides to multiples of 28 with the pixel count kept in
 * [minPixels, maxPixels]. Python's {@code round} is banker's rounding ({@link Math#rint}).
 */
public record QwenResize(int factor, long minPixels, long maxPixels) {
    /** The training setting of the Visual-RFT scripts: max 401408 (512·28·28), min 3136 (4·28·28). */
    public static final QwenResize TRAINING = new QwenResize(28, 3136, 401408);
    /** The processor default used by the evaluation scripts: max 12845056 (16384·28·28). */
    public static final QwenResize PROCESSOR_DEFAULT = new QwenResize(28, 3136, 12845056);

    /** The resized image size the model sees. */
    public ImageSize apply(ImageSize original) {
        double h = original.height();
        double w = original.width();
        if (Math.max(h, w) / Math.min(h, w) > 200) {
            throw new IllegalArgumentException("image size " + original.width() + " x " + original.height()
                    + ": aspect ratio over 200 (Qwen's resize refuses it)");
        }
        double hBar = Math.rint(h / factor) * factor;
        double wBar = Math.rint(w / factor) * factor;
        if (hBar * wBar > maxPixels) {
            double beta = Math.sqrt(h * w / maxPixels);
            hBar = Math.floor(h / beta / factor) * factor;
            wBar = Math.floor(w / beta / factor) * factor;
        } else if (hBar * wBar < minPixels) {
            double beta = Math.sqrt(minPixels / (h * w));
            hBar = Math.ceil(h * beta / factor) * factor;
            wBar = Math.ceil(w * beta / factor) * factor;
        }
        return new ImageSize((int) Math.max(factor, wBar), (int) Math.max(factor, hBar));
    }
}
