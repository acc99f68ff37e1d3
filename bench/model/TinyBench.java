// Benchmark of the built-in VLM (vrft-tiny): sampling tokens/s at G = 8 and one forward+backward of a G = 8 group,
// plus the inputs and logits the PyTorch twin (bench/peer/tiny_vlm_twin.py) checks itself against.
// Run by bench/model/run.sh; prints one JSON line of results on stdout.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

public class TinyBench {
    static final String PROMPT = "Detect all objects belonging to the category 'Sandal' in the image, and provide the"
            + " bounding boxes (between 0 and 1000, integer) and confidence (between 0 and 1, with two decimal"
            + " places).\nIf no object belonging to the category 'Sandal' in the image, return 'No Objects'.\n"
            + "Output the thinking process in <think> </think> and final answer in <answer> </answer> tags.";

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int maxNew = 40;
        int g = 8;
        Engine.setThreads(threads);
        Files.createDirectories(out);
        Path tokFile = out.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of(PROMPT, "Sandal Bag Shirt T-shirt Pullover Coat Dress Trouser"
                + " Sneaker Ankle boot one two three top bottom dress shoe bag")).write(tokFile);
        Tokenizer tok = Tokenizer.load(tokFile);
        TinyVlm model = TinyVlm.create(TinyConfig.defaults(tok.vocabSize()), tok, 1234);
        model.save(out.resolve("model"));

        SplittableRandom r = new SplittableRandom(5);
        float[] px = new float[56 * 56];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextDouble();
        }
        Prompt prompt = new Prompt(Image.gray(56, 56, px), PROMPT);

        // the cross-check for the twin: inputs and full-sequence logits
        int[] completion = model.encode("<think> two </think><answer>[{'Position': [161, 589, 375, 875], "
                + "'Confidence': 0.9}]</answer>");
        float[] logits = model.fullLogits(prompt, completion);
        try (NativeScope s = NativeScope.open()) {
            Map<String, Tensor> check = new LinkedHashMap<>();
            check.put("patches", Tensor.fromFloats(model.patchValues(prompt.image()), 1,
                    model.config().imageTokens(), model.config().patchDim()));
            check.put("prompt_ids", Tensor.fromInts(model.promptTokens(PROMPT)));
            check.put("completion_ids", Tensor.fromInts(completion));
            check.put("logits", Tensor.fromFloats(logits, logits.length / model.config().vocabSize(),
                    model.config().vocabSize()));
            SafeTensorsWriter.write(out.resolve("check.safetensors"), check, Map.of());
        }

        // sampling: G = 8, Visual-RFT's setting (temperature 1, top-k 50), up to 40 new tokens
        SamplingParams sp = SamplingParams.visualRft(maxNew);
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 3; i++) {
            model.generate(prompt, g, sp, rng);
        }
        double[] tps = new double[rounds];
        long tokensTotal = 0;
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            List<Rollout> rs = model.generate(prompt, g, sp, rng);
            long t1 = System.nanoTime();
            long n = rs.stream().mapToLong(Rollout::length).sum();
            tokensTotal += n;
            tps[i] = n / ((t1 - t0) / 1e9);
        }
        // forward + backward of one group: G = 8 completions of 40 tokens, loss = sum of masked log-probs
        List<int[]> comps = new ArrayList<>();
        SplittableRandom cr = new SplittableRandom(9);
        for (int i = 0; i < g; i++) {
            int[] c = new int[maxNew];
            for (int t = 0; t < maxNew; t++) {
                c[t] = 6 + cr.nextInt(model.config().vocabSize() - 6);
            }
            comps.add(c);
        }
        double[] fb = new double[rounds];
        for (int i = -3; i < rounds; i++) {
            try (NativeScope s = NativeScope.open()) {
                long t0 = System.nanoTime();
                GroupLogProbs lp = model.logProbs(prompt, comps);
                lp.logProbs().sum().backward();
                long t1 = System.nanoTime();
                if (i >= 0) {
                    fb[i] = (t1 - t0) / 1e6;
                }
            }
            model.parameters().forEach(p -> p.value().zeroGrad());
        }
        Arrays.sort(tps);
        Arrays.sort(fb);
        System.out.printf(java.util.Locale.ROOT,
                "{\"params\": %d, \"threads\": %d, \"sample_tokens_per_s\": %.1f, \"fwd_bwd_ms\": %.2f, "
                        + "\"tokens_sampled\": %d, \"prompt_positions\": %d}%n",
                model.parameterCount(), threads, tps[rounds / 2], fb[rounds / 2], tokensTotal,
                model.config().imageTokens() + model.promptTokens(PROMPT).length);
        model.close();
    }
}
