// GRPO steps of a Qwen2-VL-shaped model (bench/qwen2vl/qwen2vl-small-config.json by default: random weights, LoRA
// r=16) through the real trainer, with each prompt's image encoded once per step and reused by sampling, the
// reference and the policy's forwards (the default), against encoding it in each of them
// (-Dvrft.train.visionCache=false, the behaviour before). 2 prompts per step (batch 1 x accumulation 2), G = 4, up to
// 16 new tokens, beta 0.04, a 448x448 image (1024 patches, 256 image tokens). The two modes alternate run by run in
// one JVM, so drifting load falls on both; each run trains WARM steps, then MEASURED steps that are timed.
// Prints one table: per mode the vision forwards per step and the min / median of the measured steps' phases.
// With TOWER = trained: full fine-tuning (no LoRA) with the vision tower frozen (freeze_vision_modules: true, the image
// reused) against trained (the default: encoded with autograd in every policy forward, its reference a copy).
// Run by bench/train/vision-cache.sh.
// usage: VisionCacheBench OUT FIXTURES RUNS [CONFIG] [NUM_ITERATIONS] [TOWER: lora | trained]
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.core.reward.RewardSample;
import org.visualrft.core.reward.Task;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.qwen2vl.Qwen2VL;
import org.visualrft.model.qwen2vl.Qwen2VLConfig;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.RandomWeights;
import org.visualrft.model.qwen2vl.TinyQwenFolder;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tokenizer.Tokenizer;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.grpo.GrpoTrainer;
import org.visualrft.train.grpo.Rewarder;

public class VisionCacheBench {
    static final int WARM = 1;
    static final int MEASURED = 2;
    static final String[] PHASES = {"step_time_s", "time/sampling_s", "time/reference_s", "time/backward_s"};

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path fixture = Path.of(args[1]).resolve("qwen2vl-tiny");
        int runs = Integer.parseInt(args[2]);
        Path configFile = Path.of(args.length > 3 ? args[3] : "bench/qwen2vl/qwen2vl-small-config.json");
        int mu = args.length > 4 ? Integer.parseInt(args[4]) : 1;
        boolean towerModes = args.length > 5 && args[5].equals("trained");

        // a model folder: the bench config with the word-level test tokenizer's special ids (image pad 300, ...)
        Path dir = Files.createDirectories(out.resolve("model"));
        TinyQwenFolder.create(dir, fixture);
        Files.delete(dir.resolve("model.safetensors")); // the fixture's weights; this model's are drawn below
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfgJson = (ObjectNode) json.readTree(configFile.toFile());
        Map<String, Integer> ids = Map.of("image_token_id", 300, "vision_start_token_id", 301,
                "vision_end_token_id", 302, "eos_token_id", 303, "bos_token_id", 304, "video_token_id", 305,
                "vision_token_id", 306);
        ids.forEach(cfgJson::put);
        cfgJson.put("torch_dtype", "float32");
        json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), cfgJson);
        Qwen2VLConfig c = Qwen2VLConfig.load(dir.resolve("config.json"));
        Qwen2VL model = RandomWeights.model(c, DType.F32, 1234);
        if (!towerModes) {
            try (Generator gen = Generator.seeded(99)) {
                model.attachLora(LoraConfig.allLinear(16, 32), gen);
            }
        }
        Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        Qwen2VLPolicy policy = Qwen2VLPolicy.of(model, tokenizer, dir, new int[] {303});
        Qwen2VLPolicy towerTrained = Qwen2VLPolicy.withVisionTrained(model, tokenizer, dir, new int[] {303});
        Map<String, Integer> trained = new LinkedHashMap<>();

        List<TrainingExample> data = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            float[] px = new float[448 * 448 * 3];
            for (int j = 0; j < px.length; j++) {
                px[j] = ((j * 31 + i * 97 + (j / (448 * 3)) * 17) & 0xff) / 255f;
            }
            String label = i % 2 == 0 ? "cat" : "dog";
            data.add(new TrainingExample("p" + i, new Prompt(new Image(448, 448, 3, px), "What is in the image ?"),
                    new RewardSample("<answer>" + label + "</answer>", Task.CLASSIFICATION, null, Map.of()), null));
        }

        Map<String, List<double[]>> phases = new LinkedHashMap<>(); // mode -> measured steps' phases
        Map<String, Double> forwardsPerStep = new LinkedHashMap<>();
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        for (int r = 0; r < runs; r++) {
            for (boolean reuse : new boolean[] {false, true}) {
                String mode = towerModes ? (reuse ? "tower frozen (freeze_vision_modules: true)"
                        : "tower trained (default)") : reuse ? "reused (default)" : "encoded each time (visionCache=false)";
                Qwen2VLPolicy runPolicy = towerModes && !reuse ? towerTrained : policy;
                trained.put(mode, runPolicy.trainableParameters().stream().mapToInt(q -> (int) q.value().numel()).sum());
                Path run = out.resolve("run-" + r + (reuse ? "-reuse" : "-each"));
                org.visualrft.core.io.AtomicFile.deleteTree(run);
                GrpoConfig cfg = GrpoConfig.parse("bench", """
                        output_dir: %s
                        num_generations: 4
                        per_device_train_batch_size: 1
                        gradient_accumulation_steps: 2
                        max_completion_length: 16
                        num_iterations: %d
                        temperature: 1.0
                        beta: 0.04
                        learning_rate: 1.0e-5
                        max_steps: 1000
                        save_steps: 100000
                        logging_steps: 1
                        reward_funcs: [accuracy, format]
                        reward_mode: strict
                        threads: 1
                        seed: 3
                        """.formatted(run, mu));
                Rewarder rewarder = Rewarder.of(cfg.rewardFuncs(), cfg.rewardWeights(), cfg.rewardMode(), "bench");
                System.setProperty("vrft.train.visionCache", String.valueOf(reuse || towerModes));
                GrpoTrainer trainer = new GrpoTrainer(cfg, data, rewarder, null,
                        new PrintStream(new ByteArrayOutputStream()), false);
                System.clearProperty("vrft.train.visionCache");
                long v0 = model.visionForwards();
                trainer.run(runPolicy, false, WARM + MEASURED); // stops there, before any checkpoint
                forwardsPerStep.put(mode, (model.visionForwards() - v0) / (double) (WARM + MEASURED));
                List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
                for (int i = WARM; i < WARM + MEASURED; i++) {
                    JsonNode n = json.readTree(lines.get(i));
                    double[] p = new double[PHASES.length];
                    for (int k = 0; k < PHASES.length; k++) {
                        p[k] = n.get(PHASES[k]).asDouble() * 1000;
                    }
                    phases.computeIfAbsent(mode, m -> new ArrayList<>()).add(p);
                }
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf(Locale.ROOT, "config %s: %d layers, hidden %d; vision depth %d, embed %d; %s; F32;"
                + " 1 intra-op thread; mu=%d; %d runs x %d measured steps per mode%n", configFile, c.numLayers(),
                c.hiddenSize(), c.vision().depth(), c.vision().embedDim(), towerModes ? "full fine-tuning" : "LoRA r=16",
                mu, runs, MEASURED);
        System.out.printf("load average before: %s; after: %s%n", load0, load1);
        System.out.println("| mode | trained parameters | vision forwards / step | step ms min / median | sampling ms"
                + " | reference wait ms | backward ms |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        double[] medianStep = new double[2];
        int m = 0;
        for (var e : phases.entrySet()) {
            List<double[]> steps = e.getValue();
            StringBuilder row = new StringBuilder("| " + e.getKey() + " | "
                    + String.format(Locale.ROOT, "%,d | %.0f", trained.get(e.getKey()), forwardsPerStep.get(e.getKey())));
            for (int k = 0; k < PHASES.length; k++) {
                double[] v = new double[steps.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = steps.get(i)[k];
                }
                Arrays.sort(v);
                double median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
                if (k == 0) {
                    medianStep[m] = median;
                    row.append(String.format(Locale.ROOT, " | %.0f / %.0f", v[0], median));
                } else {
                    row.append(String.format(Locale.ROOT, " | %.0f", median));
                }
            }
            System.out.println(row + " |");
            m++;
        }
        System.out.printf(Locale.ROOT, towerModes ? "median step, tower frozen / trained: %.2fx%n"
                : "median step, reused / encoded each time: %.2fx%n", medianStep[1] / medianStep[0]);
        policy.close();
    }
}
