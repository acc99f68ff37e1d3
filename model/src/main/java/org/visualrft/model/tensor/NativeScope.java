package org.visualrft.model.tensor;

import java.util.Iterator;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A region of native memory: every tensor (and libtorch helper object) created on this thread while the scope is the
 * innermost open one is freed when it closes. Open one per step (a rollout, a forward+backward) so native memory does
 * not wait for the Java garbage collector.
 *
 * <p><b>What escapes.</b> Nothing, unless you say so:
 * <ul>
 *   <li>{@link #keep(Tensor)} moves a tensor to the enclosing scope (or, with no enclosing scope, hands it to the
 *       caller, who closes it or leaves it to the GC). Use it for a step's results: a loss value, sampled tokens.</li>
 *   <li>{@link Tensor#persist()} takes a tensor out of every scope's reach: its owner frees it with
 *       {@link Tensor#close()} (or leaves it to the GC). Use it for model parameters, optimiser state, a KV cache.
 *       Tensors created while no scope is open behave the same way.</li>
 * </ul>
 * Reading a tensor after its scope closed is a use-after-free: libtorch may crash the JVM. Java arrays copied out
 * ({@link Tensor#toFloats()} etc.) are plain Java objects and always safe.
 */
public final class NativeScope implements AutoCloseable {
    private final PointerScope scope;

    private NativeScope() {
        Engine.load();
        this.scope = new PointerScope();
    }

    /** Opens a scope on this thread; close it in the same thread (try-with-resources). */
    public static NativeScope open() {
        return new NativeScope();
    }

    /** Moves {@code t} out of this scope into the enclosing one (or to the caller when there is none). */
    public Tensor keep(Tensor t) {
        escape(scope, t.raw());
        return t;
    }

    static void escape(PointerScope from, Pointer p) {
        p.retainReference();
        from.detach(p);
        Iterator<PointerScope> it = PointerScope.getScopeIterator();
        PointerScope outer = null;
        if (it != null) {
            while (it.hasNext()) {
                if (it.next() == from) {
                    outer = it.hasNext() ? it.next() : null;
                    break;
                }
            }
        }
        if (outer != null) {
            outer.attach(p);
            p.releaseReference();
        }
    }

    @Override
    public void close() {
        scope.close();
    }
}
