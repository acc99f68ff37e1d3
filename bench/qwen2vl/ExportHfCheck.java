import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.qwen2vl.Generation;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.Qwen2VL;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Makes the inputs of bench/peer/qwen2vl_hf_check.py: the qwen2vl-tiny fixture model with LoRA adapters on every
 * decoder projection (B drawn non-zero, as after training), saved back merged in F32 and in BF16, plus what our code
 * computes on it for the fixture's two-image prompt (pixel values, rope ids, logits, greedy ids) in java_outputs.json.
 *
 * usage: java -cp CLASSPATH ExportHfCheck.java FIXTURE_DIR OUT_DIR
 */
public class ExportHfCheck {
    public static void main(String[] args) throws Exception {
        Path fixture = Path.of(args[0]);
        Path out = Path.of(args[1]);
        for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
            Path dir = out.resolve(dtype == DType.F32 ? "merged-f32" : "merged-bf16");
            Qwen2VL model = Qwen2VL.load(fixture, dtype);
            try (Generator g = Generator.seeded(2024)) {
                model.attachLora(LoraConfig.allLinear(4, 8), g);
            }
            Qwen2VLPolicy policy = Qwen2VLPolicy.of(model, null, fixture, model.config().eosTokenIds());
            try (Tensor.GradMode ng = Tensor.noGrad(); Generator g = Generator.seeded(7)) {
                for (Parameter p : policy.trainableParameters()) {
                    if (p.name().endsWith("lora_B.weight")) {
                        p.value().copy_(Tensor.randn(g, DType.F32, p.value().shape()).mul(0.05));
                    }
                }
            }
            policy.save(dir);
            for (String img : new String[] {"image_a.png", "image_b.png"}) {
                Files.copy(fixture.resolve(img), dir.resolve(img), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            // the fixture's two-image prompt: PREFIX, image_a, MIDDLE, image_b, SUFFIX
            List<ImageProcessor.Patches> imgs = List.of(model.processor().process(RgbImage.read(fixture.resolve("image_a.png"))),
                    model.processor().process(RgbImage.read(fixture.resolve("image_b.png"))));
            List<Integer> ids = new ArrayList<>(List.of(17, 42, 99, 7, 256, 301));
            for (int i = 0; i < imgs.get(0).tokenCount(2); i++) {
                ids.add(300);
            }
            ids.addAll(List.of(302, 11, 12, 301));
            for (int i = 0; i < imgs.get(1).tokenCount(2); i++) {
                ids.add(300);
            }
            ids.addAll(List.of(302, 64, 128, 3, 250, 199, 5));
            int[] prompt = ids.stream().mapToInt(Integer::intValue).toArray();
            List<int[]> grids = new ArrayList<>();
            for (ImageProcessor.Patches p : imgs) {
                grids.add(new int[] {p.gridT(), p.gridH(), p.gridW()});
            }
            StringBuilder js = new StringBuilder("{\n");
            try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
                RopeIndex.Positions pos = RopeIndex.compute(prompt, grids, model.config());
                Tensor image = model.encodeImages(imgs, null);
                Tensor logits = model.logits(model.hidden(model.embed(new int[][] {prompt}, image),
                        new long[][][] {pos.ids()}, null, true, null)).to(DType.F32);
                int[] greedy = Generation.greedy(model, prompt, grids, image, 8, model.config().eosTokenIds()[0], null); // stops at EOS as HF does
                float[] pixels = new float[imgs.get(0).values().length + imgs.get(1).values().length];
                System.arraycopy(imgs.get(0).values(), 0, pixels, 0, imgs.get(0).values().length);
                System.arraycopy(imgs.get(1).values(), 0, pixels, imgs.get(0).values().length, imgs.get(1).values().length);
                field(js, "dtype", "\"" + (dtype == DType.F32 ? "float32" : "bfloat16") + "\"");
                field(js, "input_ids", ints(prompt));
                field(js, "image_grid_thw", "[" + ints(grids.get(0)) + ", " + ints(grids.get(1)) + "]");
                field(js, "position_ids", "[" + longs(pos.ids()[0]) + ", " + longs(pos.ids()[1]) + ", " + longs(pos.ids()[2]) + "]");
                field(js, "rope_delta", String.valueOf(pos.ropeDelta()));
                field(js, "pixel_values_shape", "[" + pixels.length / imgs.get(0).cols() + ", " + imgs.get(0).cols() + "]");
                field(js, "pixel_values", floats(pixels));
                field(js, "logits_shape", "[" + prompt.length + ", " + model.config().vocabSize() + "]");
                field(js, "logits", floats(logits.toFloats()));
                js.append("  \"greedy_ids\": ").append(ints(greedy)).append("\n}\n");
            }
            Files.writeString(dir.resolve("java_outputs.json"), js);
            policy.close();
            System.out.println("wrote " + dir);
        }
    }

    static void field(StringBuilder b, String k, String v) {
        b.append("  \"").append(k).append("\": ").append(v).append(",\n");
    }

    static String ints(int[] a) {
        return java.util.Arrays.toString(a);
    }

    static String longs(long[] a) {
        return java.util.Arrays.toString(a);
    }

    static String floats(float[] a) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < a.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(Float.toString(a[i]));
        }
        return b.append("]").toString();
    }
}
