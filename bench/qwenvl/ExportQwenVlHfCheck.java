import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.qwenvl.QwenVl;
import org.visualrft.model.qwenvl.QwenVlGeneration;
import org.visualrft.model.qwenvl.QwenVlPolicy;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Makes the inputs of bench/peer/qwenvl_hf_check.py for a Qwen2.5-VL or Qwen3-VL oracle folder: its model with LoRA
 * adapters on every decoder projection (B drawn non-zero, as after training), saved back merged in F32 and BF16, and
 * what our code computes on it for the fixture's case with the most images (pixel values, rope ids, logits, greedy
 * ids) in java_outputs.json.
 *
 * usage: java -cp CLASSPATH ExportQwenVlHfCheck.java FIXTURE_DIR OUT_DIR
 */
public class ExportQwenVlHfCheck {
    public static void main(String[] args) throws Exception {
        Path fixture = Path.of(args[0]);
        Path out = Path.of(args[1]);
        ObjectMapper json = new ObjectMapper();
        JsonNode cases = json.readTree(fixture.resolve("expected.json").toFile()).get("cases");
        String best = null;
        for (var it = cases.fieldNames(); it.hasNext(); ) {
            String c = it.next();
            if (best == null || cases.get(c).get("images").size() > cases.get(best).get("images").size()) {
                best = c;
            }
        }
        JsonNode cs = cases.get(best);
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Path dir = out.resolve(dtype == DType.F32 ? "merged-f32" : "merged-bf16");
            QwenVl model = QwenVl.load(fixture, dtype);
            try (Generator g = Generator.seeded(2024)) {
                model.attachLora(LoraConfig.allLinear(4, 8), g);
            }
            try (QwenVlPolicy policy = QwenVlPolicy.of(model, null, fixture, model.config().eosTokenIds())) {
                try (Tensor.GradMode ng = Tensor.noGrad(); Generator g = Generator.seeded(7)) {
                    for (Parameter p : policy.trainableParameters()) {
                        if (p.name().endsWith("lora_B.weight")) {
                            p.value().copy_(Tensor.randn(g, DType.F32, p.value().shape()).mul(0.05));
                        }
                    }
                }
                policy.save(dir);
                List<ImageProcessor.Patches> imgs = new ArrayList<>();
                List<int[]> grids = new ArrayList<>();
                ArrayNode names = json.createArrayNode();
                for (JsonNode n : cs.get("images")) {
                    Files.copy(fixture.resolve(n.asText() + ".png"), dir.resolve(n.asText() + ".png"), StandardCopyOption.REPLACE_EXISTING);
                    ImageProcessor.Patches p = model.processor().process(RgbImage.read(fixture.resolve(n.asText() + ".png")));
                    imgs.add(p);
                    grids.add(new int[] {p.gridT(), p.gridH(), p.gridW()});
                    names.add(n.asText() + ".png");
                }
                int[] prompt = new int[cs.get("input_ids").size()];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = cs.get("input_ids").get(i).intValue();
                }
                ObjectNode o = json.createObjectNode();
                try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
                    RopeIndex.Positions pos = model.positions(prompt, grids);
                    QwenVl.Images images = model.encodeImages(imgs, null);
                    Tensor logits = model.logits(model.hidden(model.embed(new int[][] {prompt}, images),
                            new long[][][] {pos.ids()}, null, true, null)).to(DType.F32);
                    int[] greedy = QwenVlGeneration.sample(model, prompt, grids, images, 1, SamplingParams.greedy(8),
                            model.config().eosTokenIds(), null, null, true).get(0).tokens(); // stops at EOS as HF does
                    o.put("model_type", model.config().family().modelType);
                    o.put("dtype", dtype == DType.F32 ? "float32" : "bfloat16");
                    o.put("case", best);
                    o.set("images", names);
                    o.set("input_ids", json.valueToTree(prompt));
                    o.set("image_grid_thw", json.valueToTree(grids));
                    o.set("position_ids", json.valueToTree(pos.ids()));
                    o.put("rope_delta", pos.ropeDelta());
                    List<Float> px = new ArrayList<>();
                    for (ImageProcessor.Patches p : imgs) {
                        for (float f : p.values()) {
                            px.add(f);
                        }
                    }
                    o.set("pixel_values_shape", json.valueToTree(new int[] {px.size() / imgs.get(0).cols(), imgs.get(0).cols()}));
                    o.set("pixel_values", json.valueToTree(px));
                    o.set("logits_shape", json.valueToTree(new long[] {prompt.length, model.config().text().vocabSize()}));
                    o.set("logits", json.valueToTree(logits.toFloats()));
                    o.set("greedy_ids", json.valueToTree(greedy));
                }
                Files.write(dir.resolve("java_outputs.json"), json.writeValueAsBytes(o));
            }
            System.out.println("wrote " + dir);
        }
    }
}
