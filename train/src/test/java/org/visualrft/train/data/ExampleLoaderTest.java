package org.visualrft.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.ImageSize;
import org.visualrft.core.reward.Task;

class ExampleLoaderTest {
    @Test
    void readsJsonlAndInfersTasks(@TempDir Path dir) throws Exception {
        ImageIO.write(new BufferedImage(8, 6, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("a.png").toFile());
        Files.writeString(dir.resolve("d.jsonl"), """
                {"image": "a.png", "problem": "q1", "solution": "<answer>[{'Position': [1, 2, 3, 4], 'Confidence': 1}]</answer>"}
                {"image": "a.png", "problem": "q2", "solution": "<answer> (10,20),(30,40) </answer>"}
                {"image": "a.png", "problem": "q3", "solution": "<answer>Shirt</answer>", "thinking": "top"}
                {"image": "a.png", "problem": "q4", "solution": "<answer>No Objects</answer>", "task": "detection"}
                """);
        List<TrainingExample> ex = ExampleLoader.load(dir.resolve("d.jsonl"));
        assertEquals(List.of(Task.DETECTION, Task.GROUNDING, Task.CLASSIFICATION, Task.DETECTION),
                ex.stream().map(TrainingExample::task).toList());
        assertEquals("top", ex.get(2).thinking());
        assertEquals(8, ex.get(0).prompt().image().width());
        assertEquals("q3", ex.get(2).prompt().text());
        // no width and height: the image's own size, so rewards can convert boxes between frames
        assertEquals(new ImageSize(8, 6), ex.get(0).reward().imageSize());
        Files.writeString(dir.resolve("sized.jsonl"), "{\"image\": \"a.png\", \"problem\": \"q\", \"solution\":"
                + " \"<answer>Shirt</answer>\", \"width\": 640, \"height\": 480}\n");
        assertEquals(new ImageSize(640, 480), ExampleLoader.load(dir.resolve("sized.jsonl")).get(0).reward()
                .imageSize(), "a given width and height are kept");

        Files.writeString(dir.resolve("bad.jsonl"), "{\"image\": \"a.png\", \"problem\": \"q\", \"solution\": \"x\", "
                + "\"task\": \"segmentation\"}\n");
        BadInputException e = assertThrows(BadInputException.class, () -> ExampleLoader.load(dir.resolve("bad.jsonl")));
        assertTrue(e.getMessage().contains("bad.jsonl") && e.getMessage().contains("segmentation"), e.getMessage());
    }

    @Test
    void dataOrderIsASeededPermutationPerEpochAndResumes() {
        DataOrder a = new DataOrder(5, 42);
        int[] first = new int[10];
        for (int i = 0; i < 10; i++) {
            first[i] = a.next();
        }
        int[] e0 = Arrays.copyOf(first, 5);
        int[] e1 = Arrays.copyOfRange(first, 5, 10);
        assertEquals("[0, 1, 2, 3, 4]", Arrays.toString(Arrays.stream(e0).sorted().toArray()));
        assertEquals("[0, 1, 2, 3, 4]", Arrays.toString(Arrays.stream(e1).sorted().toArray()));
        assertNotEquals(Arrays.toString(e0), Arrays.toString(e1), "a new order each epoch");
        DataOrder b = new DataOrder(5, 42);
        for (int i = 0; i < 7; i++) {
            b.next();
        }
        DataOrder resumed = new DataOrder(5, 42, b.epoch(), b.position());
        for (int i = 7; i < 10; i++) {
            assertEquals(first[i], resumed.next());
        }
    }
}
