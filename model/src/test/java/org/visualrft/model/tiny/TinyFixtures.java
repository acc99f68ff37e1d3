package org.visualrft.model.tiny;

import java.nio.file.Path;
import java.util.List;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

/** Small models for tests: a task tokenizer and a config a few thousand parameters big. */
final class TinyFixtures {
    private TinyFixtures() {
    }

    static Tokenizer tokenizer(Path dir) {
        Path f = dir.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of("Detect all objects belonging to the category Sandal Shirt",
                "What is the category of this item ?")).write(f);
        return Tokenizer.load(f);
    }

    static TinyConfig smallConfig(int vocab) {
        return new TinyConfig(16, 8, 1, 16, 1, 2, 32, 16, 2, 4, 2, 24, vocab, 96, 10000.0, 1e-6, 2, 1, 3, 4);
    }

    static TinyVlm model(Path dir, long seed, DType dtype) {
        return model(dir, seed, dtype, Device.CPU);
    }

    static TinyVlm model(Path dir, long seed, DType dtype, Device device) {
        Tokenizer tok = tokenizer(dir);
        return TinyVlm.create(smallConfig(tok.vocabSize()), tok, seed, dtype, device);
    }

    static Prompt prompt(long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] px = new float[20 * 20];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextDouble();
        }
        return new Prompt(Image.gray(20, 20, px), "What is the category of this item ?");
    }
}
