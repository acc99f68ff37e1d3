package org.visualrft.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.train.config.GrpoConfig;
import org.visualrft.train.config.SftConfig;
import org.visualrft.train.data.TrainingExample;

/**
 * {@code system_prompt}: every record a run loads, training and evaluation data, GRPO and SFT, is asked after it;
 * unset, the prompts are the dataset's as before; the built-in model refuses it before the first step, naming why.
 */
class SystemPromptRunTest {
    @TempDir
    Path dir;

    private Path dataset() throws Exception {
        ImageIO.write(new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("a.png").toFile());
        return Files.writeString(dir.resolve("d.jsonl"), "{\"image\": \"a.png\", \"problem\": \"what is it\","
                + " \"solution\": \"<answer>cat</answer>\"}\n");
    }

    @Test
    void everyLoadedRecordIsAskedAfterTheSystemPrompt() throws Exception {
        String data = dataset().toString();
        for (String yaml : new String[] {"dataset: " + data + "\n", "dataset: " + data + "\nsystem_prompt: Be brief.\n"}) {
            for (boolean sft : new boolean[] {false, true}) {
                var args = sft ? SftConfig.parse("s.yaml", yaml).args() : GrpoConfig.parse("r.yaml", yaml).args();
                List<TrainingExample> ex = Runs.data(args, args.dataset(), "r.yaml", "dataset").examples();
                assertEquals("what is it", ex.get(0).prompt().text());
                if (yaml.contains("system_prompt")) {
                    assertEquals("Be brief.", ex.get(0).prompt().system());
                } else {
                    assertNull(ex.get(0).prompt().system());
                }
            }
        }
    }

    @Test
    void theBuiltInModelRefusesItBeforeTheFirstStep() throws Exception {
        String data = dataset().toString();
        var args = GrpoConfig.parse("r.yaml", "dataset: " + data + "\nsystem_prompt: Be brief.\n").args();
        List<TrainingExample> ex = Runs.data(args, args.dataset(), "r.yaml", "dataset").examples();
        try (var model = TinyTask.model(dir, 1)) {
            BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                    () -> RunPreflight.grpo("grpo", model, ex, data, 8, System.out));
            assertTrue(e.getMessage().contains("vrft-tiny") && e.getMessage().contains("system message"),
                    e.getMessage());
        }
    }
}
