package org.visualrft.model.qwen2vl;

import java.util.List;

/**
 * M-RoPE position ids, as transformers' {@code Qwen2VLForConditionalGeneration.get_rope_index} computes them: text
 * tokens advance all three axes (time, height, width) together; the tokens of an image share one time index and take
 * their row and column within the merged grid, offset by the text before them; text after an image resumes at one past
 * the largest id used so far. The rope delta (largest id + 1 − length) turns a decode step's cache position into its id.
 */
public final class RopeIndex {
    private RopeIndex() {
    }

    /** Position ids {@code [3][seq]} (rows t, h, w) and the rope delta for one sequence. */
    public record Positions(long[][] ids, long ropeDelta) {
        public int length() {
            return ids[0].length;
        }
    }

    /**
     * @param tokens    the prompt ids (no padding)
     * @param imageGrids one (t, h, w) patch grid per image, in the order the images appear
     */
    public static Positions compute(int[] tokens, List<int[]> imageGrids, Qwen2VLConfig config) {
        return compute(tokens, imageGrids, config.vision().spatialMergeSize(), config.imageTokenId(), config.visionStartTokenId());
    }

    /** The same for any Qwen-VL family whose images are placed this way (Qwen2-VL, Qwen2.5-VL, Qwen3-VL). */
    public static Positions compute(int[] tokens, List<int[]> imageGrids, int merge, int imageToken, int visionStartToken) {
        int n = tokens.length;
        long[][] ids = new long[3][n];
        int images = 0;
        for (int i = 0; i + 1 < n; i++) {
            // an image is counted by its vision_start followed by an image token, as HF does
            if (tokens[i] == visionStartToken && tokens[i + 1] == imageToken) {
                images++;
            }
        }
        if (images != imageGrids.size()) {
            throw new IllegalArgumentException("prompt holds " + images + " images but " + imageGrids.size() + " grids were given");
        }
        int st = 0;
        long next = 0; // one past the largest id so far
        for (int k = 0; k < images; k++) {
            int ed = indexOf(tokens, imageToken, st);
            int[] g = imageGrids.get(k);
            int gt = g[0];
            int gh = g[1] / merge;
            int gw = g[2] / merge;
            for (int i = st; i < ed; i++) {
                long p = next + (i - st);
                ids[0][i] = ids[1][i] = ids[2][i] = p;
            }
            long base = next + (ed - st);
            long max = base - 1;
            int i = ed;
            for (int t = 0; t < gt; t++) {
                for (int h = 0; h < gh; h++) {
                    for (int w = 0; w < gw; w++) {
                        if (i >= n) {
                            throw new IllegalArgumentException("image " + k + " needs " + (gt * gh * gw) + " image tokens, the prompt ends first");
                        }
                        ids[0][i] = base + t;
                        ids[1][i] = base + h;
                        ids[2][i] = base + w;
                        max = Math.max(max, Math.max(base + t, Math.max(base + h, base + w)));
                        i++;
                    }
                }
            }
            next = max + 1;
            st = ed + gt * gh * gw;
        }
        for (int i = st; i < n; i++) {
            long p = next + (i - st);
            ids[0][i] = ids[1][i] = ids[2][i] = p;
        }
        long last = n == 0 ? -1 : Math.max(ids[0][n - 1], Math.max(ids[1][n - 1], ids[2][n - 1]));
        long maxId = st < n ? last : next - 1;
        return new Positions(ids, maxId + 1 - n);
    }

    /** The id of the token at cache position {@code cachePosition} during decoding (same on all three axes). */
    public static long decodePosition(long cachePosition, long ropeDelta) {
        return cachePosition + ropeDelta;
    }

    private static int indexOf(int[] tokens, int value, int from) {
        for (int i = from; i < tokens.length; i++) {
            if (tokens[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException("no image token after position " + from);
    }
}
