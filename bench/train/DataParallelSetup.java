// Writes what bench/train/dp.sh trains on: the built-in VLM (vrft-tiny, default size, random weights) as a model
// folder and 16 classification prompts (random 56x56 grey images) as a ViRFT-style .jsonl dataset.
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.visualrft.model.tiny.TinyConfig;
import org.visualrft.model.tiny.TinyVlm;
import org.visualrft.model.tokenizer.TaskTokenizerBuilder;
import org.visualrft.model.tokenizer.Tokenizer;

public class DataParallelSetup {
    static final String PROMPT = "What is the category of this item ? Output the thinking process in <think> </think>"
            + " and final answer in <answer> </answer> tags.";
    static final String[] LABELS = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker"};

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out.resolve("images"));
        Path tokFile = out.resolve("tokenizer.json");
        new TaskTokenizerBuilder().addCorpus(List.of(PROMPT, String.join(" ", LABELS), "top bottom dress shoe bag"))
                .write(tokFile);
        try (Tokenizer tok = Tokenizer.load(tokFile);
                TinyVlm model = TinyVlm.create(TinyConfig.defaults(tok.vocabSize()), tok.copy(), 1234)) {
            model.save(out.resolve("model"));
            System.out.println(model.parameterCount());
        }
        SplittableRandom r = new SplittableRandom(5);
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            BufferedImage img = new BufferedImage(56, 56, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 56; y++) {
                for (int x = 0; x < 56; x++) {
                    int v = r.nextInt(256);
                    img.setRGB(x, y, (v << 16) | (v << 8) | v);
                }
            }
            ImageIO.write(img, "png", out.resolve("images/p" + i + ".png").toFile());
            jsonl.append("{\"image\": \"images/p").append(i).append(".png\", \"problem\": \"").append(PROMPT)
                    .append("\", \"solution\": \"<answer>").append(LABELS[i % LABELS.length])
                    .append("</answer>\", \"task\": \"classification\"}\n");
        }
        Files.writeString(out.resolve("train.jsonl"), jsonl.toString());
    }
}
