package org.visualrft.model.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.visualrft.core.io.AtomicFile;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * Writes a Hugging Face model folder made from the one a policy was loaded from: the weights as
 * {@code model.safetensors}, the source's config.json with an edit applied (e.g. the dtype), and the source's side
 * files (tokenizer, processor, generation config) copied. Each file is written under a temporary name and renamed.
 */
public final class HfModelFolder {
    private HfModelFolder() {
    }

    /**
     * Saves into {@code dir}: {@code weights} is called inside a native scope without autograd (so merging adapters
     * leaves nothing behind); {@code editConfig} changes the source's config.json before it is written; each of
     * {@code sideFiles} present in {@code source} is copied unless it is the same file.
     */
    public static void save(Path source, Path dir, Supplier<List<SafeTensorsWriter.Entry>> weights,
                            Consumer<ObjectNode> editConfig,
                            List<String> sideFiles) {
        if (source == null) {
            throw new IllegalStateException("this policy was not loaded from a folder; there is no config.json to save with it");
        }
        try {
            Files.createDirectories(dir);
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                SafeTensorsWriter.write(dir.resolve("model.safetensors"), weights.get(), Map.of("format", "pt"));
            }
            ObjectMapper json = new ObjectMapper();
            ObjectNode cfg = (ObjectNode) json.readTree(source.resolve("config.json").toFile());
            editConfig.accept(cfg);
            AtomicFile.writeBytes(dir.resolve("config.json"), json.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg));
            for (String f : sideFiles) {
                Path from = source.resolve(f);
                if (Files.isRegularFile(from) && !from.toAbsolutePath().normalize().equals(dir.resolve(f).toAbsolutePath().normalize())) {
                    AtomicFile.write(dir.resolve(f), out -> Files.copy(from, out));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir + ": " + e.getMessage(), e);
        }
    }
}
