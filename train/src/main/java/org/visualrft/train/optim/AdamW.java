package org.visualrft.train.optim;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.visualrft.core.BadInputException;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.ProcessGroup;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.checkpoint.TensorArchive;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (decoupled weight decay, bias-corrected moments), on the facade so
 * that its state — the step count and both moments — can be saved and restored exactly. Moments live beside their
 * parameter (same device) and are closed with {@link #close()}.
 *
 * <p>Mixed precision as the field does it: a bf16 or f16 parameter gets a float32 <em>master</em> copy, and float32
 * moments; the update is applied to the master and the parameter is its rounded copy. Updates far below bf16's
 * resolution (lr 1e-6 on weights near 1, where bf16 steps by 2^-8) therefore accumulate instead of vanishing. Masters
 * are saved with the moments, so a resume is exact. float32 parameters are updated in place, as before.
 *
 * <p>ZeRO stage 1 ({@link OptimizerShards}): each rank keeps the moments and masters of its share of the parameters
 * only, updates those, and {@link #shareUpdates} sends them to the other ranks. Every rank holds the whole summed
 * gradient, so each parameter's update is the one an unsharded optimiser computes, to the bit. The saved state is
 * the same file whatever the sharding or the number of ranks: {@link #save(Path, ProcessGroup)} gathers it to rank 0
 * one tensor at a time, and {@link #load} reads each rank's own share.
 */
public final class AdamW implements AutoCloseable {
    private final List<Tensor> params;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final OptimizerShards shards;
    private final int rank;
    private final List<Tensor> m = new ArrayList<>(); // null where another rank owns the parameter
    private final List<Tensor> v = new ArrayList<>();
    private final List<Tensor> master = new ArrayList<>(); // float32 copies of low-precision parameters, else null
    private long step;

    /** Every parameter's state on this process. */
    public AdamW(List<Tensor> params, double beta1, double beta2, double eps, double weightDecay) {
        this(params, beta1, beta2, eps, weightDecay, OptimizerShards.unsharded(params.size()), 0);
    }

    /** The state of the parameters {@code shards} gives to {@code rank} (all of them when not sharded). */
    public AdamW(List<Tensor> params, double beta1, double beta2, double eps, double weightDecay,
            OptimizerShards shards, int rank) {
        this.params = List.copyOf(params);
        if (shards.size() != this.params.size() || shards.sharded() && (rank < 0 || rank >= shards.worldSize())) {
            throw new IllegalArgumentException(shards + " for " + this.params.size() + " parameters, rank " + rank);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.shards = shards;
        this.rank = shards.sharded() ? rank : 0;
        for (int i = 0; i < this.params.size(); i++) {
            Tensor p = this.params.get(i);
            boolean mine = owns(i);
            m.add(mine ? Tensor.zeros(stateDtype(p), p.device(), p.shape()).persist() : null);
            v.add(mine ? Tensor.zeros(stateDtype(p), p.device(), p.shape()).persist() : null);
            master.add(mine && lowPrecision(p) ? masterOf(p) : null);
        }
    }

    /** bf16 and f16 parameters get float32 masters and moments. */
    private static boolean lowPrecision(DType dtype) {
        return dtype == DType.BF16 || dtype == DType.F16;
    }

    private static boolean lowPrecision(Tensor p) {
        return lowPrecision(p.dtype());
    }

    private static DType stateDtype(Tensor p) {
        return lowPrecision(p) ? DType.F32 : p.dtype();
    }

    private boolean owns(int i) {
        return shards.owner(i) == rank;
    }

    private static Tensor masterOf(Tensor p) {
        try (var g = Tensor.noGrad()) {
            return p.detach().to(DType.F32).copy().persist();
        }
    }

    /** Updates every parameter this rank owns that has a gradient, with learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1.0 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        try (var g = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                if (!owns(i)) {
                    continue;
                }
                // one scope per parameter: its temporaries (a float32 gradient, the denominator) are freed before the
                // next one's, so the step needs a few times the largest parameter, not a few times the model
                try (NativeScope one = NativeScope.open()) {
                    update(i, lr, stepSize, bc2Sqrt);
                }
            }
        }
    }

    private void update(int i, double lr, double stepSize, double bc2Sqrt) {
        Tensor p = params.get(i);
        Tensor grad = p.grad();
        if (grad == null) {
            return;
        }
        Tensor w = master.get(i) != null ? master.get(i) : p;
        if (w != p) {
            grad = grad.to(DType.F32);
        }
        if (weightDecay != 0.0) {
            w.mul_(1.0 - lr * weightDecay);
        }
        m.get(i).mul_(beta1).add_(grad, 1.0 - beta1);
        v.get(i).mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);
        Tensor denom = v.get(i).sqrt().div_(bc2Sqrt).add_(eps); // one temporary: torch's sqrt / bc2 + eps, in place
        w.addcdiv_(m.get(i), denom, -stepSize);
        if (w != p) {
            p.copy_(w); // the parameter is the master rounded to its dtype
        }
    }

    /**
     * After {@link #step}: every rank receives the parameters the others updated (one broadcast per owner and
     * parameter). Unsharded, nothing to do.
     */
    public void shareUpdates(ProcessGroup group) {
        if (!shards.sharded()) {
            return;
        }
        for (int r = 0; r < shards.worldSize(); r++) {
            List<Tensor> owned = new ArrayList<>();
            for (int i : shards.ownedBy(r)) {
                owned.add(params.get(i));
            }
            group.broadcast(owned, r);
        }
    }

    /** Sets every parameter's gradient to zero. */
    public void zeroGrad() {
        for (Tensor p : params) {
            p.zeroGrad();
        }
    }

    public long stepCount() {
        return step;
    }

    public List<Tensor> params() {
        return params;
    }

    public OptimizerShards shards() {
        return shards;
    }

    /** Bytes of optimiser state (moments and masters) this rank holds. */
    public long stateBytes() {
        long n = 0;
        for (List<Tensor> kind : List.of(m, v, master)) {
            for (Tensor t : kind) {
                n += t == null ? 0 : t.numel() * t.dtype().bytes();
            }
        }
        return n;
    }

    /** Bytes of optimiser state the whole model needs (what one unsharded rank holds). */
    public long unshardedStateBytes() {
        long n = 0;
        for (Tensor p : params) {
            n += stateBytes(p.dtype(), p.numel());
        }
        return n;
    }

    /** The state a parameter of {@code numel} elements of {@code dtype} needs: two moments, and a master if bf16/f16. */
    public static long stateBytes(DType dtype, long numel) {
        return numel * (lowPrecision(dtype) ? 3L * DType.F32.bytes() : 2L * dtype.bytes());
    }

    /** Writes the whole state; unsharded only (see {@link #save(Path, ProcessGroup)}). */
    public void save(Path file) throws IOException {
        if (shards.sharded()) {
            throw new IllegalStateException("sharded optimiser state is saved with save(file, group)");
        }
        save(file, null);
    }

    /**
     * Writes the whole state to {@code file} on rank 0 ({@code file} is not used on the others). Sharded, this is a
     * collective: every rank must call it, and the state of other ranks' parameters travels to rank 0 one tensor at a
     * time, so rank 0 never holds more than its own share and one more tensor.
     */
    public void save(Path file, ProcessGroup group) throws IOException {
        List<SafeTensorsWriter.Entry> entries = new ArrayList<>();
        Tensor stepCount = Tensor.fromLongs(new long[] {step}, 1);
        entries.add(new SafeTensorsWriter.Entry("step", DType.I64, new long[] {1}, () -> stepCount, false));
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            entries.add(entry("exp_avg." + i, i, m, group));
            entries.add(entry("exp_avg_sq." + i, i, v, group));
            if (lowPrecision(p)) {
                entries.add(entry("master." + i, i, master, group));
            }
        }
        if (group == null || group.isMain()) {
            TensorArchive.write(file, entries);
        } else {
            for (SafeTensorsWriter.Entry e : entries) { // the same collectives as rank 0's writer, in the same order
                Tensor t = e.value().get();
                if (t != null && e.closeAfterWrite()) {
                    t.close();
                }
            }
        }
    }

    /** One saved tensor: this rank's own, or (sharded) its owner's, broadcast when the writer asks for it. */
    private SafeTensorsWriter.Entry entry(String name, int i, List<Tensor> kind, ProcessGroup group) {
        Tensor p = params.get(i);
        DType dtype = stateDtype(p);
        int owner = shards.owner(i);
        if (!shards.sharded() || owner == 0) {
            // rank 0 writes its own; another rank's list has null here, which the drain loop skips
            return new SafeTensorsWriter.Entry(name, dtype, p.shape(), () -> kind.get(i), false);
        }
        Supplier<Tensor> gathered = () -> {
            Tensor t = owner == rank ? kind.get(i) : Tensor.zeros(dtype, p.device(), p.shape()).persist();
            group.broadcast(List.of(t), owner);
            return t;
        };
        return new SafeTensorsWriter.Entry(name, dtype, p.shape(), gathered, owner != rank);
    }

    /**
     * Reads the state written by {@link #save} (by any sharding and number of ranks); this rank keeps its own share.
     * The whole file's layout is checked against the model first.
     */
    public void load(Path file) throws IOException {
        Map<String, long[]> shapes = TensorArchive.shapes(file);
        long masters = params.stream().filter(AdamW::lowPrecision).count();
        if (shapes.size() != 1 + 2 * params.size() + masters || !shapes.containsKey("step")) {
            throw new BadInputException(file, "optimiser state for " + shapes.keySet().stream().filter(k -> k.startsWith("exp_avg.")).count()
                    + " parameters, the run trains " + params.size() + " (were other weights trained: use_peft,"
                    + " freeze_vision_modules?)");
        }
        for (int i = 0; i < params.size(); i++) {
            long[] want = params.get(i).shape();
            if (!java.util.Arrays.equals(shapes.get("exp_avg." + i), want)
                    || !java.util.Arrays.equals(shapes.get("exp_avg_sq." + i), want)) {
                throw new BadInputException(file, "optimiser state of parameter " + i + " does not match the model");
            }
            if (lowPrecision(params.get(i)) && !java.util.Arrays.equals(shapes.get("master." + i), want)) {
                throw new BadInputException(file, "float32 master weights of parameter " + i + " missing");
            }
        }
        long[] saved = new long[1];
        try (var g = Tensor.noGrad()) { // one tensor of the file in memory at a time, only this rank's share
            TensorArchive.forEach(file, name -> name.equals("step") || owns(indexOf(name)), (name, t) -> {
                if (name.equals("step")) {
                    saved[0] = t.toLongs()[0];
                    return;
                }
                int i = indexOf(name);
                List<Tensor> kind = name.startsWith("exp_avg_sq.") ? v : name.startsWith("exp_avg.") ? m : master;
                kind.get(i).copy_(t);
            });
        }
        step = saved[0];
    }

    /** The parameter index of a state entry's name ({@code exp_avg.7} → 7). */
    private static int indexOf(String name) {
        return Integer.parseInt(name.substring(name.lastIndexOf('.') + 1));
    }

    @Override
    public void close() {
        for (List<Tensor> kind : List.of(m, v, master)) {
            for (Tensor t : kind) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }
}
