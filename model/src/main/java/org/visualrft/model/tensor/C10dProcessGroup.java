package org.visualrft.model.tensor;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.javacpp.SizeTPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.IntOptional;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * A process group over c10d: a {@code TCPStore} for the rendezvous and a Gloo or NCCL backend for the collectives
 * (see the design note on calling c10d from Java: the Gloo backend is used on its own, never through the 3-argument
 * {@code ProcessGroup} constructor, which aborts the JVM; a store on a loopback address is served from a socket bound
 * to loopback only).
 */
final class C10dProcessGroup implements ProcessGroup {
    /** Gradient bucket size: bounds the temporary copy (PyTorch DDP's default is 25 MiB). */
    static final long BUCKET_BYTES = 25L << 20;

    private final Rendezvous rv;
    private final Store store;
    private final ServerSocketChannel listener;
    private final Backend backend;

    private C10dProcessGroup(Rendezvous rv, Store store, ServerSocketChannel listener, Backend backend) {
        this.rv = rv;
        this.store = store;
        this.listener = listener;
        this.backend = backend;
        StoreSockets.keepUntilExit(store, listener, backend);
    }

    static ProcessGroup connect(Rendezvous rv) {
        Engine.load();
        boolean serve = rv.rank() == 0 && !rv.storeHosted();
        ServerSocketChannel listener = null;
        Store store;
        try {
            TCPStoreOptions so = new TCPStoreOptions();
            so.port((short) rv.masterPort());
            so.isServer(serve);
            so.numWorkers(new SizeTPointer(1).put(rv.worldSize()));
            so.waitWorkers(false); // the process group's own rendezvous below waits, bounded by the same timeout
            so.timeout(new Milliseconds(rv.timeout().toMillis()));
            if (serve && rv.loopback()) {
                listener = bindLoopback(rv.masterPort());
                Integer fd = StoreSockets.fd(listener);
                if (fd != null) {
                    so.masterListenFd(new IntOptional(fd));
                } else {
                    listener.close(); // no access to the descriptor: let the store bind the port itself
                    listener = null;
                }
            }
            store = new TCPStore(rv.masterAddr(), so);
        } catch (IOException | RuntimeException e) {
            closeQuietly(listener);
            throw new DistributedException(rv.rank() == 0 && serve && isAddressInUse(e)
                    ? "rank 0: port " + rv.masterPort() + " is in use (MASTER_PORT); choose another"
                    : "rank " + rv.rank() + ": cannot reach the c10d store at " + rv.masterAddr() + ":"
                            + rv.masterPort() + " within " + rv.timeout().toSeconds() + " s: " + firstLine(e), e);
        }
        try {
            return new C10dProcessGroup(rv, store, listener, backend(rv, store));
        } catch (RuntimeException e) {
            StoreSockets.keepUntilExit(store, listener); // the store may still poll the socket: see close()
            throw new DistributedException("rank " + rv.rank() + ": the " + rv.backend() + " process group of "
                    + rv.worldSize() + " ranks did not form within " + rv.timeout().toSeconds()
                    + " s (a rank never arrived or died): " + firstLine(e), e);
        }
    }

    private static Backend backend(Rendezvous rv, Store store) {
        if (rv.backend() == DistBackend.NCCL) {
            // by name: the class needs the CUDA presets, present only with the -gpu build of libtorch
            try {
                Class<?> c = Class.forName("org.bytedeco.pytorch.nccl.ProcessGroupNCCL");
                return (Backend) c.getConstructor(Store.class, int.class, int.class).newInstance(store, rv.rank(),
                        rv.worldSize());
            } catch (ReflectiveOperationException | LinkageError | TypeNotPresentException e) {
                Throwable c = e instanceof java.lang.reflect.InvocationTargetException ite ? ite.getCause() : e;
                throw new DistributedException("NCCL is not available in this build of libtorch (it needs the "
                        + "linux-x86_64-gpu classifier, CUDA and libnccl): " + c, c);
            }
        }
        ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(new Milliseconds(rv.timeout().toMillis()));
        String ifname = System.getenv("GLOO_SOCKET_IFNAME");
        org.bytedeco.pytorch.gloo.Device dev = rv.loopback()
                ? ProcessGroupGloo.createDeviceForHostname("127.0.0.1")
                : ifname != null ? ProcessGroupGloo.createDeviceForInterface(ifname)
                : ProcessGroupGloo.createDefaultDevice(false);
        opts.devices(new GlooDeviceVector(dev));
        opts.threads(2); // one Gloo thread is markedly slower even for small tensors (design note)
        return new ProcessGroupGloo(store, rv.rank(), rv.worldSize(), opts);
    }

    static ServerSocketChannel bindLoopback(int port) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.bind(new InetSocketAddress("127.0.0.1", port));
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public int rank() {
        return rv.rank();
    }

    @Override
    public int worldSize() {
        return rv.worldSize();
    }

    @Override
    public void allreduceGradients(List<Tensor> params) {
        try (var g = Tensor.noGrad()) {
            List<org.bytedeco.pytorch.Tensor> grads = new ArrayList<>(params.size());
            for (Tensor p : params) {
                org.bytedeco.pytorch.Tensor raw = p.raw();
                org.bytedeco.pytorch.Tensor grad = raw.grad();
                if (grad == null || !grad.defined()) {
                    raw.mutable_grad().put(torch.zeros_like(raw));
                    grad = raw.grad();
                }
                grads.add(grad);
            }
            for (List<org.bytedeco.pytorch.Tensor> bucket : GradientBuckets.plan(grads, BUCKET_BYTES)) {
                reduceBucket(bucket);
            }
        }
    }

    /** One allreduce for a bucket of same-dtype gradients: flattened into one buffer, summed, copied back. */
    private void reduceBucket(List<org.bytedeco.pytorch.Tensor> grads) {
        try (NativeScope s = NativeScope.open()) {
            TensorVector flat = new TensorVector();
            for (org.bytedeco.pytorch.Tensor g : grads) {
                flat.push_back(g.reshape(-1));
            }
            org.bytedeco.pytorch.Tensor buf = torch.cat(flat);
            run("gradient allreduce", () -> backend.allreduce(new TensorVector(buf), sum()));
            long off = 0;
            for (org.bytedeco.pytorch.Tensor g : grads) {
                long n = g.numel();
                g.copy_(buf.narrow(0, off, n).view_as(g));
                off += n;
            }
        }
    }

    @Override
    public double[] allreduceSum(double[] values) {
        return reduce(values, ReduceOp.RedOpType.SUM, "allreduce (sum)");
    }

    @Override
    public double[] allreduceMax(double[] values) {
        return reduce(values, ReduceOp.RedOpType.MAX, "allreduce (max)");
    }

    private double[] reduce(double[] values, ReduceOp.RedOpType op, String what) {
        if (values.length == 0) {
            return values.clone();
        }
        try (NativeScope s = NativeScope.open(); var g = Tensor.noGrad()) {
            Tensor t = Tensor.fromDoubles(values, values.length).to(rv.device());
            AllreduceOptions ao = new AllreduceOptions();
            ao.reduceOp(new ReduceOp(op));
            run(what, () -> backend.allreduce(new TensorVector(t.raw()), ao));
            return t.toDoubles();
        }
    }

    @Override
    public void broadcast(List<Tensor> tensors, int root) {
        try (var g = Tensor.noGrad()) {
            for (Tensor t : tensors) {
                BroadcastOptions bo = new BroadcastOptions();
                bo.rootRank(root);
                run("broadcast", () -> backend.broadcast(new TensorVector(t.raw()), bo));
            }
        }
    }

    /** The lengths first (a sum of one slot per rank), then each rank's bytes broadcast from it in turn. */
    @Override
    public List<byte[]> gatherBytes(byte[] mine, int root) {
        double[] slots = new double[rv.worldSize()];
        slots[rv.rank()] = mine.length;
        double[] lengths = allreduceSum(slots);
        List<byte[]> out = new java.util.ArrayList<>();
        for (int r = 0; r < lengths.length; r++) {
            int n = (int) lengths[r];
            if (n == 0) {
                if (rv.rank() == root) {
                    out.add(new byte[0]);
                }
                continue;
            }
            try (NativeScope s = NativeScope.open(); var g = Tensor.noGrad()) {
                Tensor t = (r == rv.rank() ? Tensor.fromBytes(java.nio.ByteBuffer.wrap(mine), DType.U8, n)
                        : Tensor.zeros(DType.U8, n)).to(rv.device());
                broadcast(List.of(t), r);
                if (rv.rank() == root) {
                    out.add(t.toBytes());
                }
            }
        }
        return rv.rank() == root ? out : List.of();
    }

    @Override
    public void barrier() {
        run("barrier", backend::barrier);
    }

    private static AllreduceOptions sum() {
        AllreduceOptions ao = new AllreduceOptions();
        ao.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
        return ao;
    }

    /** Waits for a collective; a failure (peer died, timeout) becomes one line naming this rank. */
    private void run(String what, Supplier<Work> op) {
        try {
            op.get()._wait();
        } catch (RuntimeException e) {
            throw new DistributedException("rank " + rv.rank() + ": " + what + " failed (a peer died or stalled "
                    + "past the " + rv.timeout().toSeconds() + " s timeout): " + firstLine(e), e);
        }
    }

    /**
     * Leaves the native backend, the store and its listening socket to the process's end, on purpose: deallocating
     * the backend or store from Java aborted the JVM (an intrusive_ptr assertion) once a second group was formed in
     * the same process, and closing the socket the store serves on frees a descriptor the store still polls, which
     * the next socket of the process then reuses (a later group saw "Connection closed by peer"). A worker holds one
     * group for its life; Gloo's threads do not keep the JVM alive.
     */
    @Override
    public void close() {
        // nothing to free: see above
    }

    private static boolean isAddressInUse(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage());
            if (c instanceof BindException || m.contains("EADDRINUSE") || m.contains("ddress already in use")) {
                return true;
            }
        }
        return false;
    }

    static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage().strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    private static void closeQuietly(ServerSocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do: the process is failing anyway
            }
        }
    }

    @Override
    public String toString() {
        return rv.toString();
    }
}
