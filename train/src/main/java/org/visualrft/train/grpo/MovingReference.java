package org.visualrft.train.grpo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.checkpoint.TensorArchive;
import org.visualrft.train.config.ReferenceSync;

/**
 * {@code sync_ref_model}: the KL reference moving toward the policy, {@code ref ← (1 − α)·ref + α·policy} in the
 * weights' own dtype after every {@code ref_model_sync_steps}-th optimiser update (TRL's {@code SyncRefModelCallback},
 * from TR-DPO). The reference's own weights (not a frozen tower it shares with the policy, which never changes) travel
 * with each checkpoint as {@value #FILE}, so a resumed run scores against the reference it had.
 */
final class MovingReference {
    static final String FILE = "reference.safetensors";

    private final ReferenceSync sync;
    /** The reference's weights that are its own (a copy), by name, paired with the policy's by the same name. */
    private final Map<String, Tensor> own = new LinkedHashMap<>();

    /** {@code reference} is {@code base}'s frozen copy; the tensors it shares with {@code base} never move. */
    MovingReference(ReferenceSync sync, Policy base, Policy reference) {
        this.sync = sync;
        Map<String, Tensor> shared = new LinkedHashMap<>();
        base.parameters().forEach(p -> shared.put(p.name(), p.value()));
        for (Parameter r : reference.parameters()) {
            Tensor b = shared.get(r.name());
            if (b == null || !b.sameData(r.value())) {
                own.put(r.name(), r.value());
            }
        }
    }

    /** After optimiser update {@code n} (1-based over the run): moves the reference toward {@code policy} when due. */
    void afterUpdate(long n, Policy policy) {
        if (!sync.after(n)) {
            return;
        }
        double a = sync.mixupAlpha();
        try (Tensor.GradMode g = Tensor.noGrad()) {
            for (Parameter p : policy.parameters()) {
                Tensor r = own.get(p.name());
                if (r != null) {
                    r.mul_(1 - a).add_(p.value(), a);
                }
            }
        }
    }

    /** Writes the reference's own weights into checkpoint folder {@code dir}. */
    void save(Path dir) throws IOException {
        TensorArchive.write(dir.resolve(FILE), own);
    }

    /**
     * Restores the reference's weights from {@code checkpoint}; without the file (a checkpoint of a run without
     * sync_ref_model, which never moved its reference) the reference stays the base.
     */
    void restore(Path checkpoint) throws IOException {
        Path file = checkpoint.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return;
        }
        Map<String, long[]> shapes = TensorArchive.shapes(file);
        if (!shapes.keySet().equals(own.keySet())) {
            throw new BadInputException(file, "holds " + shapes.size() + " reference weights, the reference has "
                    + own.size() + " of its own (was the model or freeze_vision_modules changed?)");
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            if (!Arrays.equals(shapes.get(e.getKey()), e.getValue().shape())) {
                throw new BadInputException(file, e.getKey() + " has shape " + Arrays.toString(shapes.get(e.getKey()))
                        + ", the reference's is " + Arrays.toString(e.getValue().shape()));
            }
        }
        try (Tensor.GradMode g = Tensor.noGrad()) {
            TensorArchive.forEach(file, n -> true, (name, t) -> own.get(name).copy_(t));
        }
    }
}
