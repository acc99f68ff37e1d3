package org.visualrft.train.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The recipes in {@code examples/} stay runnable: each parses with the trainer its command line names, that command
 * line names the file itself, and a recipe on the faithful preset keeps the original's 16 prompts per optimiser step
 * on the number of processes it is launched with.
 */
class ExamplesTest {
    private static final Pattern COMMAND = Pattern.compile(
            "#\\s+visual-rft train (grpo|sft) --config (\\S+)(?: --nproc (\\d+))?");

    @Test
    void everyRecipeParsesAndKeepsItsGlobalBatch() throws Exception {
        List<Path> recipes;
        try (Stream<Path> s = Files.list(Path.of("../examples"))) {
            recipes = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertFalse(recipes.isEmpty());
        for (Path r : recipes) {
            Matcher m = COMMAND.matcher(Files.readString(r));
            assertTrue(m.find(), r + ": no 'visual-rft train grpo|sft --config …' line");
            assertEquals("examples/" + r.getFileName(), m.group(2), r + ": the command names another file");
            int ranks = m.group(3) == null ? 1 : Integer.parseInt(m.group(3));
            TrainingArguments a = m.group(1).equals("sft") ? SftConfig.load(r).args() : GrpoConfig.load(r).args();
            if (m.group(1).equals("grpo") && "visual-rft".equals(GrpoConfig.load(r).preset())) {
                assertEquals(16, a.perDeviceTrainBatchSize() * a.gradientAccumulationSteps() * ranks,
                        r + ": the original's 16 prompts per step");
                assertEquals(401408, a.modelArgs().maxPixels(), r.toString());
            }
        }
    }
}
