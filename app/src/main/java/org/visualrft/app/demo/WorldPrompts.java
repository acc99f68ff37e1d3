package org.visualrft.app.demo;

import org.visualrft.core.world.WorldSample;
import org.visualrft.core.world.WorldText;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;

/** Turns world examples into what a policy reads (an image and the question) and what SFT teaches (token ids). */
public final class WorldPrompts {
    private WorldPrompts() {
    }

    /** The canvas as a gray image with values in [0, 1]. */
    public static Image image(WorldSample s) {
        byte[] px = s.pixels();
        float[] v = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            v[i] = (px[i] & 0xff) / 255f;
        }
        return Image.gray(s.side(), s.side(), v);
    }

    public static Prompt prompt(WorldSample s, boolean cot) {
        return new Prompt(image(s), WorldText.problem(s, cot));
    }

    /** The SFT target: the completion's token ids followed by EOS. */
    public static int[] target(Policy policy, WorldSample s, boolean cot) {
        int[] body = policy.encode(WorldText.completion(s, cot));
        int[] out = java.util.Arrays.copyOf(body, body.length + 1);
        out[body.length] = policy.eosTokenId();
        return out;
    }
}
