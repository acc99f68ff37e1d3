package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonErrors;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.PeftAdapter;
import org.visualrft.model.lora.PeftFolder;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The LoRA adapters of a checkpoint, kept apart from its merged {@code model/} folder: {@code adapter_model.safetensors}
 * and {@code adapter_config.json} at the checkpoint's root, PEFT's layout (where TRL's checkpoints of a PEFT model keep
 * them too), the A and B matrices bit-exact in their own dtype (float32 over a bf16 or float32 base).
 *
 * <p>Why not resume from the merged weights: {@code W + scale·B·A} rounded to the base dtype cannot be split back into
 * W, A and B exactly, so a resume rebuilds the model from the base folder ({@code model:}) and these A and B. The
 * frozen base weights are not copied into every checkpoint (gigabytes each); the checkpoint's {@code provenance.json}
 * already names them by the SHA-256 of every file of the base folder, and {@link #requireSameBase} checks those hashes
 * before the base is loaded again, so a resume either rebuilds exactly the model that was trained or stops.
 */
public final class AdapterCheckpoint {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AdapterCheckpoint() {
    }

    /** Whether {@code checkpoint} holds its adapters apart (written since adapters are kept; older ones do not). */
    public static boolean present(Path checkpoint) {
        return Files.isRegularFile(checkpoint.resolve(PeftAdapter.WEIGHTS));
    }

    /** Writes {@code policy}'s adapters (its trainable parameters under PEFT's names) into {@code checkpoint}. */
    static void save(Path checkpoint, Policy policy, LoraConfig lora, Path baseModel) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Parameter p : policy.trainableParameters()) {
                named.put(p.name(), p.value().detach());
            }
            PeftAdapter.write(checkpoint, named, lora, baseModel);
        }
    }

    /**
     * Sets {@code policy}'s adapters to the checkpoint's, bit for bit (in place: the optimiser and a LoRA reference view
     * see the same tensors). A file whose adapters are not the model's by name, shape and dtype is refused.
     */
    public static void restore(Path checkpoint, Policy policy) throws IOException {
        Map<String, Tensor> adapters = new LinkedHashMap<>();
        policy.trainableParameters().forEach(p -> adapters.put(p.name(), p.value()));
        PeftFolder.load(checkpoint, adapters); // the same file an adapter folder holds: checked and copied alike
    }

    /** The same for a run that does not take its frozen reference model from the base folder. */
    public static void requireSameBase(Path outputDir, boolean resume, String model) throws IOException {
        requireSameBase(outputDir, resume, model, false);
    }

    /**
     * With {@code resume}, when the latest checkpoint in {@code outputDir} holds adapters, or when
     * {@code referenceFromBase} (GRPO with beta &gt; 0: the frozen reference of the KL term is the base model, read
     * again at every start): {@code model} (the base folder the run opens) must be there and hold the files the
     * checkpoint's {@code provenance.json} records, each with the same SHA-256. Otherwise one error naming the folder
     * and what differs. A full fine-tuning checkpoint from before hashes were recorded is not checked. Call before
     * the base is loaded.
     */
    public static void requireSameBase(Path outputDir, boolean resume, String model, boolean referenceFromBase)
            throws IOException {
        Optional<Path> latest = new CheckpointStore(outputDir, 0).latest();
        if (!resume || latest.isEmpty()) {
            return;
        }
        boolean adapters = present(latest.get());
        if (!adapters && !referenceFromBase) {
            return;
        }
        Path ckpt = latest.get();
        Path dir = Path.of(model);
        String why = adapters ? ckpt.getFileName() + " holds LoRA adapters trained over this base, and --resume"
                + " rebuilds the model from it and the adapters" : "the run's frozen reference model (beta > 0) is"
                + " this base, so a resumed run with another one would compute another KL term";
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir, "base model folder is missing; " + why);
        }
        Path provFile = ckpt.resolve("provenance.json");
        JsonNode recorded;
        try {
            recorded = JSON.readTree(provFile.toFile()).path("inputs").path("model").path("files_sha256");
        } catch (IOException e) {
            throw new BadInputException(provFile, "cannot read: " + JsonErrors.describe(e), e);
        }
        if (!recorded.isObject() || recorded.isEmpty()) {
            if (!adapters) {
                return; // a full fine-tuning checkpoint from before the hashes: resumable as it always was
            }
            throw new BadInputException(provFile, "records no SHA-256 of the base model's files"
                    + " (inputs.model.files_sha256), so the base under its adapters cannot be checked");
        }
        Object now = ContentHashes.modelFolder(model).get("files_sha256");
        Map<?, ?> current = now instanceof Map<?, ?> m ? m : Map.of();
        List<String> faults = new ArrayList<>();
        recorded.fields().forEachRemaining(e -> {
            Object h = current.get(e.getKey());
            if (h == null) {
                faults.add(e.getKey() + " is missing");
            } else if (!h.equals(e.getValue().asText())) {
                faults.add(e.getKey() + " has changed (sha256 " + abbrev(e.getValue().asText()) + " -> "
                        + abbrev(h.toString()) + ")");
            }
        });
        for (Object name : current.keySet()) {
            if (!recorded.has(name.toString())) {
                faults.add(name + " is new");
            }
        }
        if (!faults.isEmpty()) {
            throw new BadInputException(dir, "base model folder differs from the one " + ckpt.getFileName()
                    + " was trained on: " + String.join("; ", faults) + "; " + why);
        }
    }

    private static String abbrev(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) + "..." : sha;
    }
}
