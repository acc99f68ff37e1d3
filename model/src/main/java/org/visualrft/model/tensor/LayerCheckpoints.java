package org.visualrft.model.tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Activation checkpointing of a stack of layers (what Hugging Face's {@code gradient_checkpointing} does with
 * {@code torch.utils.checkpoint} per decoder layer), done with plain autograd calls: the forward runs the layers
 * without a graph and keeps only each layer's input; {@link #backward()} runs each layer again with a graph, last to
 * first, and backpropagates into it the gradient that arrived at its output. Activation memory falls from every
 * layer's intermediate tensors to one hidden state per layer plus one layer's intermediates, for one more forward.
 *
 * <p>The layers must compute the same values when run again (no dropout, no state): then the gradients are those of
 * the plain forward up to the order in which float sums accumulate.
 *
 * <p>Use: {@code run} in the caller's {@link NativeScope}; build the rest (final norm, logits, loss) on
 * {@link #output()}, which is a leaf that needs a gradient; call the loss's {@code backward()}, then {@link #backward()}
 * in the same scope.
 */
public final class LayerCheckpoints {
    /** Layer {@code i} applied to {@code x}: the same function in the forward and when run again. */
    public interface Layer {
        Tensor apply(int i, Tensor x);
    }

    private final Layer layer;
    private final Tensor input;
    private final List<Tensor> inputs;
    private final Tensor output;
    private final List<Tensor> sides;
    private final List<Tensor> leaves;

    private LayerCheckpoints(Layer layer, Tensor input, List<Tensor> inputs, Tensor output, List<Tensor> sides,
            List<Tensor> leaves) {
        this.layer = layer;
        this.input = input;
        this.inputs = inputs;
        this.output = output;
        this.sides = sides;
        this.leaves = leaves;
    }

    /** Runs layers {@code 0 … count-1} on {@code x} without a graph, keeping each layer's input. */
    public static LayerCheckpoints run(Tensor x, int count, Layer layer) {
        return run(x, count, layer, List.of(), List.of());
    }

    /**
     * Detached copies of {@code sides} that need gradients: what the layers read in place of tensors with a graph of
     * their own (Qwen3-VL's DeepStack features from a vision tower that trains).
     */
    public static List<Tensor> leaves(List<Tensor> sides) {
        List<Tensor> out = new ArrayList<>(sides.size());
        for (Tensor t : sides) {
            out.add(t.detach().requiresGrad(true));
        }
        return out;
    }

    /**
     * As {@link #run(Tensor, int, Layer)}, the layers also reading {@code leaves} ({@link #leaves} of {@code sides}):
     * {@link #backward()} then sends the gradients the leaves gathered on into {@code sides}' graphs in the same
     * backward pass as the input's, so that a graph they share with the input (the vision tower under both) is walked
     * once.
     */
    public static LayerCheckpoints run(Tensor x, int count, Layer layer, List<Tensor> sides, List<Tensor> leaves) {
        if (sides.size() != leaves.size()) {
            throw new IllegalArgumentException(sides.size() + " side inputs but " + leaves.size() + " leaves");
        }
        List<Tensor> inputs = new ArrayList<>(count);
        Tensor h = x.detach();
        try (Tensor.GradMode ng = Tensor.noGrad()) {
            for (int i = 0; i < count; i++) {
                inputs.add(h);
                h = layer.apply(i, h);
            }
        }
        return new LayerCheckpoints(layer, x, inputs, h.detach().requiresGrad(true), List.copyOf(sides),
                List.copyOf(leaves));
    }

    /**
     * A checkpointed stack whose intermediate outputs are read outside it too (Qwen3-VL's DeepStack mergers read the
     * outputs of a few vision blocks): the output, the outputs of the tapped layers, and the rest of the backward.
     *
     * @param output   the last layer's output, a leaf that needs a gradient
     * @param tapped   the outputs of the tapped layers, in the order asked for: leaves that need gradients
     * @param backward runs the layers again, last to first, and backpropagates into the stack's input
     */
    public record Tapped(Tensor output, List<Tensor> tapped, Runnable backward) {
    }

    /**
     * As {@link #run(Tensor, int, Layer)}, with the outputs of layers {@code taps} also handed out for the caller to
     * build on. The stack is checkpointed in segments that end at the tapped layers: a segment's output is the next
     * one's input, so the gradient that reached a tapped output from outside and the one that came back through the
     * later layers add up in that leaf before its segment runs again. The backward of the result runs the segments
     * last to first; it keeps one more hidden state per tap.
     */
    public static Tapped runTapped(Tensor x, int count, Layer layer, int[] taps) {
        if (count < 1) {
            throw new IllegalArgumentException("a stack of " + count + " layers");
        }
        TreeSet<Integer> ends = new TreeSet<>();
        for (int t : taps) {
            if (t < 0 || t >= count) {
                throw new IllegalArgumentException("tapped layer " + t + " of " + count);
            }
            ends.add(t);
        }
        ends.add(count - 1);
        Map<Integer, Tensor> outputs = new HashMap<>();
        List<LayerCheckpoints> segments = new ArrayList<>();
        Tensor h = x;
        int start = 0;
        for (int end : ends) {
            int first = start;
            LayerCheckpoints seg = run(h, end - first + 1, (i, y) -> layer.apply(first + i, y));
            segments.add(seg);
            h = seg.output();
            outputs.put(end, h);
            start = end + 1;
        }
        List<Tensor> tapped = new ArrayList<>(taps.length);
        for (int t : taps) {
            tapped.add(outputs.get(t));
        }
        return new Tapped(h, tapped, () -> {
            for (int i = segments.size() - 1; i >= 0; i--) {
                segments.get(i).backward();
            }
        });
    }

    /** A checkpointed forward finished: its result (with a graph back to {@link #output()}) and the rest of the backward. */
    public record Forward(Tensor hidden, Runnable backward) {
    }

    /**
     * The backward of two checkpointed stacks where the second feeds the first (a vision tower under the language
     * model): {@code first}, then {@code then}, whose output's gradient {@code first} completes; null stands for none.
     */
    public static Runnable inOrder(Runnable first, Runnable then) {
        if (first == null || then == null) {
            return first == null ? then : first;
        }
        return () -> {
            first.run();
            then.run();
        };
    }

    /** {@code rest} (a final norm, say) applied to {@link #output()}, with this stack's {@link #backward()}. */
    public Forward then(java.util.function.UnaryOperator<Tensor> rest) {
        return new Forward(rest.apply(output), this::backward);
    }

    /** The last layer's output: a leaf that needs a gradient, for the rest of the forward to build on. */
    public Tensor output() {
        return output;
    }

    /**
     * Backpropagates the gradient that reached {@link #output()} through the layers, running each again, and then into
     * the graph of the stack's input (an embedding that trains). Nothing when no gradient reached the output.
     */
    public void backward() {
        Tensor g = output.grad();
        if (g == null) {
            return;
        }
        // grad() hands out the leaf's own gradient field: an owned handle (detach) outlives the leaf freed below
        g = g.detach();
        try (Tensor.GradMode on = Tensor.enableGrad()) {
            for (int i = inputs.size() - 1; i >= 0; i--) {
                try (NativeScope s = NativeScope.open()) {
                    Tensor x = inputs.get(i).detach().requiresGrad(true);
                    layer.apply(i, x).backward(g);
                    g = s.keep(x.grad().detach());
                }
            }
            if (sides.isEmpty()) {
                if (input.requiresGrad()) {
                    input.backward(g);
                }
                return;
            }
            // one backward for the input and the side inputs: Σ sum(t · dL/dt) has gradient dL/dt in each t, exactly
            Tensor total = input.requiresGrad() ? input.mul(g).sum() : null;
            for (int i = 0; i < sides.size(); i++) {
                Tensor lg = leaves.get(i).grad();
                if (lg != null && sides.get(i).requiresGrad()) {
                    Tensor part = sides.get(i).mul(lg.detach()).sum();
                    total = total == null ? part : total.add(part);
                }
            }
            if (total != null) {
                total.backward();
            }
        }
    }
}
