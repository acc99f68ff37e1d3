// One GRPO step of the built-in VLM (vrft-tiny, default size) through the real trainer: 8 prompts x G = 8 samples
// (temperature 1, top-k 50, up to 40 new tokens), rewards (accuracy + format, strict), group advantages, reference
// log-probs, policy log-probs with autograd, the Visual-RFT loss (k3 KL, beta 0.04), backward, grad-norm clipping,
// AdamW. Writes the model and the 8 prompts for the PyTorch twin (bench/peer/grpo_step_twin.py) and prints one JSON
// line: the median step time over ROUNDS steps after 2 warm-up steps. Run by bench/train/run.sh; with ROUNDS 0 it
// trains until killed (bench/train/soak.sh watches its resident memory).
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Engine;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;

public class GrpoStepBench {
    static final String PROMPT = "What is the category of this item ? Output the thinking process in <think> </think>"
            + " and final answer in <answer> </answer> tags.";
    static final String[] LABELS = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker"};

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        int warm = 2;
        boolean soak = rounds <= 0; // soak mode: train until killed, checkpoint every 50 steps (bench/train/soak.sh)
        Engine.setThreads(threads);
        Files.createDirectories(out);
        Path tokFile = out.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of(PROMPT, String.join(" ", LABELS), "top bottom dress shoe bag"))
                .write(tokFile);
        Tokenizer tok = Tokenizer.load(tokFile);
        TinyVlm model = TinyVlm.create(TinyConfig.defaults(tok.vocabSize()), tok, 1234);
        model.save(out.resolve("model"));

        SplittableRandom r = new SplittableRandom(5);
        List<TrainingExample> data = new ArrayList<>();
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        List<String> solutions = new ArrayList<>();
        try (NativeScope s = NativeScope.open()) {
            for (int i = 0; i < 8; i++) {
                float[] px = new float[56 * 56];
                for (int j = 0; j < px.length; j++) {
                    px[j] = (float) r.nextDouble();
                }
                Prompt p = new Prompt(Image.gray(56, 56, px), PROMPT);
                String solution = "<answer>" + LABELS[i] + "</answer>";
                data.add(new TrainingExample("p" + i, p,
                        new RewardSample(solution, Task.CLASSIFICATION, null, Map.of()), null));
                solutions.add(solution);
                inputs.put("patches." + i, Tensor.fromFloats(model.patchValues(p.image()), 1,
                        model.config().imageTokens(), model.config().patchDim()));
                inputs.put("prompt_ids." + i, Tensor.fromInts(model.promptTokens(PROMPT)));
            }
            SafeTensorsWriter.write(out.resolve("prompts.safetensors"), inputs, Map.of());
        }
        Files.writeString(out.resolve("solutions.json"), new ObjectMapper().writeValueAsString(solutions));

        Path run = out.resolve("run");
        org.visualrft.core.io.AtomicFile.deleteTree(run);
        GrpoConfig cfg = GrpoConfig.parse("bench", """
                output_dir: %s
                num_generations: 8
                per_device_train_batch_size: 8
                gradient_accumulation_steps: 1
                max_completion_length: 40
                temperature: 1.0
                top_k: 50
                top_p: 1.0
                beta: 0.04
                learning_rate: 1.0e-6
                max_steps: %d
                save_steps: %d
                save_total_limit: 2
                logging_steps: 1
                reward_funcs: [accuracy, format]
                reward_mode: strict
                threads: %d
                seed: 3
                """.formatted(run, soak ? 1_000_000 : warm + rounds, soak ? 50 : 100_000, threads));
        Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), "bench");
        new GrpoTrainer(cfg, data, rewarder, null, new PrintStream(new ByteArrayOutputStream()), false)
                .run(model, false, -1);
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        double[] ms = new double[rounds];
        double tokens = 0;
        for (int i = 0; i < rounds; i++) {
            var n = json.readTree(lines.get(warm + i));
            ms[i] = n.get("step_time_s").asDouble() * 1000;
            tokens += n.get("tokens").asDouble();
        }
        Arrays.sort(ms);
        System.out.printf(java.util.Locale.ROOT, "{\"params\": %d, \"threads\": %d, \"step_ms\": %.1f, "
                + "\"step_ms_min\": %.1f, \"tokens_per_step\": %.1f}%n", model.parameterCount(), threads,
                ms[rounds / 2], ms[0], tokens / rounds);
        model.close();
    }
}
