package org.visualrft.model.qwen2vl;

import java.nio.file.Path;
import org.visualrft.core.BadInputException;
import org.visualrft.model.image.PillowBicubic;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.image.SmartResize;
import org.visualrft.model.image.TorchBicubicAA;

/**
 * Qwen2-VL's image processor: smart resize, bicubic, rescale and normalise, then cut into 14×14 patches, each patch
 * repeated over 2 frames and flattened in the order the vision tower's Conv3d expects, rows grouped by 2×2 merge
 * blocks. Matches transformers' {@code Qwen2VLImageProcessor} bit for bit, in either of its {@link Backend}s.
 */
public record ImageProcessor(
        int minPixels,
        int maxPixels,
        int patchSize,
        int temporalPatchSize,
        int mergeSize,
        double rescaleFactor,
        float[] mean,
        float[] std,
        Backend backend) {

    /**
     * The two ways transformers computes the pixels. A preprocessor file in transformers 5's layout
     * ({@code size.shortest_edge}) or naming the fast processor selects {@link #TORCHVISION}; the older layout
     * ({@code min_pixels}) selects {@link #PIL}.
     */
    public enum Backend {
        /**
         * transformers 4's processor (and transformers 5's {@code Qwen2VLImageProcessorPil}): Pillow's bicubic, then
         * rescale and normalise in two float steps on numpy arrays.
         */
        PIL,
        /**
         * transformers 5's default processor: torchvision's resize of the uint8 tensor (libtorch's antialiased
         * bicubic, 16-bit fixed-point weights), then the rescale folded into the normalisation,
         * {@code (x − mean/scale) / (std/scale)} in float32. Each step differs from {@link #PIL} by one grey level
         * or one last bit at some values.
         */
        TORCHVISION
    }

    public ImageProcessor(int minPixels, int maxPixels, int patchSize, int temporalPatchSize, int mergeSize,
                          double rescaleFactor, float[] mean, float[] std) {
        this(minPixels, maxPixels, patchSize, temporalPatchSize, mergeSize, rescaleFactor, mean, std, Backend.PIL);
    }

    private static final double[] CLIP_MEAN = {0.48145466, 0.4578275, 0.40821073};
    private static final double[] CLIP_STD = {0.26862954, 0.26130258, 0.27577711};

    /** transformers' defaults for Qwen2VLImageProcessor (min 3136, max 1003520 pixels); the hub files raise max to 12845056. */
    public static ImageProcessor defaults() {
        return new ImageProcessor(56 * 56, 28 * 28 * 1280, 14, 2, 2, 1.0 / 255, toFloats(CLIP_MEAN), toFloats(CLIP_STD));
    }

    /** Returns the same processor with other pixel limits (the paper trains with max_pixels 401408). */
    public ImageProcessor withPixels(int min, int max) {
        return new ImageProcessor(min, max, patchSize, temporalPatchSize, mergeSize, rescaleFactor, mean, std, backend);
    }

    public static ImageProcessor load(Path preprocessorJson) {
        Json j = Json.read(preprocessorJson);
        Json size = j.object("size");
        // transformers 4.46 reads min_pixels/max_pixels; later versions read size{}; accept either
        // transformers 5 writes size{shortest_edge, longest_edge}: pixel counts despite the names
        int min = j.integer("min_pixels", size != null && size.has("min_pixels") ? size.integer("min_pixels", null)
                : size != null && size.has("shortest_edge") ? size.integer("shortest_edge", null) : 56 * 56);
        int max = j.integer("max_pixels", size != null && size.has("max_pixels") ? size.integer("max_pixels", null)
                : size != null && size.has("longest_edge") ? size.integer("longest_edge", null) : 28 * 28 * 1280);
        int resample = j.integer("resample", 3);
        if (resample != 3) {
            throw new BadInputException(preprocessorJson, "resample " + resample + " is not supported (3 = bicubic)");
        }
        if (!j.bool("do_resize", true) || !j.bool("do_rescale", true) || !j.bool("do_normalize", true)) {
            throw new BadInputException(preprocessorJson, "do_resize, do_rescale and do_normalize must all be true");
        }
        double[] m = j.numbers("image_mean", CLIP_MEAN);
        double[] s = j.numbers("image_std", CLIP_STD);
        if (m.length != 3 || s.length != 3) {
            throw new BadInputException(preprocessorJson, "image_mean and image_std must have 3 entries");
        }
        for (int i = 0; i < 3; i++) {
            if (!Double.isFinite(m[i]) || !Double.isFinite(s[i]) || s[i] <= 0) {
                throw new BadInputException(preprocessorJson, "image_std entries must be positive and image_mean finite,"
                        + " got image_mean " + java.util.Arrays.toString(m) + ", image_std " + java.util.Arrays.toString(s));
            }
        }
        if (min < 1 || max < min) {
            // smart_resize would scale every image up to min_pixels, past max_pixels (and out of memory)
            throw new BadInputException(preprocessorJson, "min_pixels " + min + " must be at least 1 and at most max_pixels "
                    + max);
        }
        int patch = j.integer("patch_size", 14);
        int temporal = j.integer("temporal_patch_size", 2);
        int merge = j.integer("merge_size", 2);
        double rescale = j.number("rescale_factor", 1.0 / 255);
        if (patch < 1 || temporal < 1 || merge < 1 || !(rescale > 0 && Double.isFinite(rescale))) {
            throw new BadInputException(preprocessorJson, "patch_size, temporal_patch_size, merge_size and rescale_factor"
                    + " must be positive, got " + patch + ", " + temporal + ", " + merge + ", " + rescale);
        }
        return new ImageProcessor(min, max, patch, temporal, merge, rescale, toFloats(m), toFloats(s), backendOf(j, size));
    }

    /**
     * Fails unless the patch geometry agrees with the model's {@code vision_config} (patch, merge and temporal patch
     * sizes): otherwise the patch rows would not fit the patch embedding.
     */
    public void requireGeometry(Path preprocessorJson, int patch, int merge, int temporal) {
        if (patchSize != patch || mergeSize != merge || temporalPatchSize != temporal) {
            throw new BadInputException(preprocessorJson, "patch_size/merge_size/temporal_patch_size " + patchSize + "/"
                    + mergeSize + "/" + temporalPatchSize + " differ from config.json's vision_config (" + patch + "/"
                    + merge + "/" + temporal + ")");
        }
    }

    /**
     * transformers 5 writes {@code size.shortest_edge} and loads its torchvision backend; transformers 4 loads the
     * same (fast) processor when the file names it ({@code Qwen2VLImageProcessorFast}, as the Qwen3-VL hub files do),
     * and the Pillow one otherwise.
     */
    private static Backend backendOf(Json file, Json size) {
        boolean transformers5 = size != null && size.has("shortest_edge");
        boolean fast = file.string("image_processor_type", "").endsWith("Fast");
        return transformers5 || fast ? Backend.TORCHVISION : Backend.PIL;
    }

    /** Patches of one image: {@code rows × cols} floats, and the patch grid (t, h, w) in 14-pixel units. */
    public record Patches(float[] values, int rows, int cols, int gridT, int gridH, int gridW) {
        /** Tokens the language model sees for this image after the 2×2 merge. */
        public int tokenCount(int mergeSize) {
            return gridT * gridH * gridW / (mergeSize * mergeSize);
        }
    }

    /** The size smart_resize picks for this image. */
    public SmartResize.Size targetSize(RgbImage image) {
        return SmartResize.compute(image.height(), image.width(), patchSize * mergeSize, minPixels, maxPixels);
    }

    public Patches process(RgbImage image) {
        SmartResize.Size size = targetSize(image);
        return patchify(resize(image, size.width(), size.height()));
    }

    /** The image at {@code width × height}, resized as this processor's backend does. */
    public RgbImage resize(RgbImage image, int width, int height) {
        if (width == image.width() && height == image.height()) {
            return image;
        }
        return backend == Backend.TORCHVISION
                ? TorchBicubicAA.resize(image, width, height) : PillowBicubic.resize(image, width, height);
    }

    /** Normalises and flattens an image that already has the target size (both sides multiples of patch × merge). */
    public Patches patchify(RgbImage img) {
        int p = patchSize;
        int tp = temporalPatchSize;
        int m = mergeSize;
        if (img.width() % (p * m) != 0 || img.height() % (p * m) != 0) {
            throw new IllegalArgumentException("image " + img.width() + "x" + img.height() + " is not a multiple of " + (p * m));
        }
        int gh = img.height() / p;
        int gw = img.width() / p;
        // normalised planes, channel-first; float32 arithmetic as numpy does it on a float32 array
        int hw = img.width() * img.height();
        float[] plane = new float[3 * hw];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < hw; i++) {
                int u = img.rgb()[i * 3 + c] & 0xff;
                if (backend == Backend.TORCHVISION) {
                    plane[c * hw + i] = (u - mean[c] * (float) (1 / rescaleFactor)) / (std[c] * (float) (1 / rescaleFactor));
                } else {
                    // uint8 × python float is float64 in numpy, then cast to float32
                    float v = (float) (u * rescaleFactor);
                    plane[c * hw + i] = (v - mean[c]) / std[c];
                }
            }
        }
        int cols = 3 * tp * p * p;
        int rows = gh * gw; // one frame group (the single image repeated temporal_patch_size times)
        float[] out = new float[rows * cols];
        int row = 0;
        for (int bh = 0; bh < gh / m; bh++) {
            for (int bw = 0; bw < gw / m; bw++) {
                for (int mh = 0; mh < m; mh++) {
                    for (int mw = 0; mw < m; mw++) {
                        int y0 = (bh * m + mh) * p;
                        int x0 = (bw * m + mw) * p;
                        int col = 0;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < tp; t++) {
                                for (int y = 0; y < p; y++) {
                                    for (int x = 0; x < p; x++) {
                                        out[row * cols + col++] = plane[c * hw + (y0 + y) * img.width() + x0 + x];
                                    }
                                }
                            }
                        }
                        row++;
                    }
                }
            }
        }
        return new Patches(out, rows, cols, 1, gh, gw);
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
