package org.visualrft.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;
import org.visualrft.train.data.TrainingExample;

/**
 * A two-class task the built-in model can learn in seconds: bright images are a Shirt, dark ones a Sandal. The model
 * is the real {@code vrft-tiny} architecture at a few thousand decoder weights.
 */
public final class TinyTask {
    public static final String PROMPT = "What is the category of this item ?";
    public static final List<String> LABELS = List.of("Shirt", "Sandal");

    private TinyTask() {
    }

    public static TinyVlm model(Path dir, long seed) {
        return model(dir, seed, DType.F32);
    }

    public static TinyVlm model(Path dir, long seed, DType dtype) {
        return model(dir, seed, dtype, Device.CPU);
    }

    /** The same model with its weights on {@code device} (drawn on the CPU, so the same on every device). */
    public static TinyVlm model(Path dir, long seed, DType dtype, Device device) {
        Path f = dir.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of(PROMPT, "Shirt Sandal top shoe")).write(f);
        Tokenizer tok = Tokenizer.load(f);
        TinyConfig c = new TinyConfig(16, 8, 1, 16, 1, 2, 32, 32, 2, 4, 2, 64, tok.vocabSize(), 96, 10000.0, 1e-6, 2,
                1, 3, 4);
        return TinyVlm.create(c, tok, seed, dtype, device);
    }

    /** {@code n} examples alternating bright (Shirt) and dark (Sandal), with pixel noise from {@code seed}. */
    public static List<TrainingExample> examples(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean bright = i % 2 == 0;
            float[] px = new float[20 * 20];
            for (int j = 0; j < px.length; j++) {
                px[j] = (float) ((bright ? 0.75 : 0.25) + 0.2 * (r.nextDouble() - 0.5));
            }
            String label = LABELS.get(bright ? 0 : 1);
            out.add(new TrainingExample("ex" + i, new Prompt(Image.gray(20, 20, px), PROMPT),
                    new RewardSample("<answer>" + label + "</answer>", Task.CLASSIFICATION, null, Map.of()),
                    bright ? "top" : "shoe"));
        }
        return out;
    }

    /**
     * {@link #examples} with thinking texts of 1 to 9 words: SFT targets of different lengths, whose micro-batches hold
     * different token counts (a mean of micro-batch or per-rank means would differ from the step's token mean).
     */
    public static List<TrainingExample> unevenTargets(int n) {
        List<TrainingExample> out = new ArrayList<>();
        for (TrainingExample ex : examples(n, 3)) {
            int words = 1 + (out.size() * 5) % 9;
            out.add(new TrainingExample(ex.id(), ex.prompt(), ex.reward(),
                    String.join(" ", java.util.Collections.nCopies(words, ex.thinking()))));
        }
        return out;
    }
}
