package org.visualrft.model.tensor;

import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.cuda.CUDAStream;
import org.bytedeco.pytorch.cuda.CUDAStreamGuard;
import org.bytedeco.pytorch.cuda.DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair;
import org.bytedeco.pytorch.cuda.MemPool;
import org.bytedeco.pytorch.cuda.StreamFilter;
import org.bytedeco.pytorch.global.torch_cuda;

/**
 * A CUDA graph of libtorch ops: the kernels that one run of a piece of code launches, recorded once and replayed with
 * one launch, which removes the per-op launch cost (about 8 µs from Java, as from Python) from a decode step.
 *
 * <p>What PyTorch's {@code torch.cuda.CUDAGraph} does, from Java (the presets do not map that class): a side stream
 * from libtorch's pool becomes the current stream; warm-up runs go there first (cuBLAS workspaces, allocator blocks);
 * the capture then sends the caching allocator's blocks to a private pool (so no other tensor reuses memory that the
 * graph writes on replay) and records with {@code cudaStreamBeginCapture}/{@code EndCapture}; {@link #replay()}
 * launches the instantiated graph on the same stream.
 *
 * <p>Rules for the captured code, as in PyTorch: fixed shapes and addresses (inputs are written in place into tensors
 * that outlive the graph), no host synchronisation (no {@code item()}, no copies to Java), no random ops on libtorch's
 * generators. Use: {@code try (var s = CudaGraph.stream(device)) { warmUp(); g = s.capture(body); g.replay(); }}.
 */
public final class CudaGraph implements AutoCloseable {
    private final Stream stream;
    private final CUgraph_st graph;
    private final CUgraphExec_st exec;
    private final DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair pool;
    private boolean closed;

    private CudaGraph(Stream stream, CUgraph_st graph, CUgraphExec_st exec,
                      DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair pool) {
        this.stream = stream;
        this.graph = graph;
        this.exec = exec;
        this.pool = pool;
    }

    /** Makes a fresh side stream of {@code device} libtorch's current stream until the returned object is closed. */
    public static Stream stream(Device device) {
        if (!device.isCuda()) {
            throw new IllegalArgumentException("CUDA graphs need a CUDA device, not " + device);
        }
        Cuda.synchronize(device); // the side stream then sees everything queued before it
        return new Stream(device);
    }

    /** A side stream made current; closing it waits for its work and restores the previous stream. */
    public static final class Stream implements AutoCloseable {
        private final Device device;
        private final CUDAStream cuda;
        private final CUDAStreamGuard guard;

        private Stream(Device device) {
            this.device = device;
            this.cuda = torch_cuda.getStreamFromPool(false, (byte) device.index());
            this.cuda.retainReference();
            this.guard = new CUDAStreamGuard(cuda.unwrap());
            this.guard.retainReference();
        }

        CUstream_st raw() {
            return cuda.stream();
        }

        /** Records the kernels {@code body} launches (they do not run now) into a graph. */
        public CudaGraph capture(Runnable body) {
            byte dev = (byte) device.index();
            CUstream_st s = raw();
            DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair pool = Pools.fresh();
            Pools.captureStream = s.address();
            torch_cuda.beginAllocateToPool(dev, pool, Pools.ON_CAPTURE_STREAM);
            CUgraph_st graph = new CUgraph_st();
            RuntimeException failure = null;
            check(cudart.cudaStreamBeginCapture(s, cudart.cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
            try (NativeScope scope = NativeScope.open()) {
                body.run();
            } catch (RuntimeException e) {
                failure = e;
            }
            int ended = cudart.cudaStreamEndCapture(s, graph);
            torch_cuda.endAllocateToPool(dev, pool);
            Pools.captureStream = 0;
            if (failure != null) {
                torch_cuda.getAllocator().releasePool(dev, pool);
                throw failure;
            }
            check(ended, "cudaStreamEndCapture");
            CUgraphExec_st exec = new CUgraphExec_st();
            check(cudart.cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
            return new CudaGraph(this, graph, exec, pool);
        }

        @Override
        public void close() {
            cuda.synchronize();
            guard.deallocate();
            cuda.releaseReference();
        }
    }

    /**
     * The allocator's private pool ids and the stream filter, held in static fields on purpose. The presets map the pool
     * id ({@code std::pair<unsigned long long, unsigned long long>}) under a class whose native deallocator destroys a
     * different pair type: when the GC let JavaCPP free one, the JVM crashed (SIGSEGV in libjnitorch_cuda, seen on the
     * H200), so every id is pinned for the life of the process (16 bytes each). An id cannot be reused: a released pool
     * lingers until its blocks are freed and libtorch refuses to revive it (seen there too). JavaCPP has a fixed
     * number of callback slots per function-pointer class, so there is one filter; captures run one at a time.
     */
    private static final class Pools {
        private static final java.util.List<DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair> PINNED =
                java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        static volatile long captureStream;
        static final StreamFilter ON_CAPTURE_STREAM = new StreamFilter() {
            @Override
            public boolean call(Pointer stream) {
                long s = captureStream;
                return s != 0 && stream != null && stream.address() == s;
            }
        };

        static {
            ON_CAPTURE_STREAM.retainReference();
        }

        static DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair fresh() {
            DeviceAssertionsDataVectorCUDAKernelLaunchInfoVectorPair id = MemPool.graph_pool_handle(true);
            id.retainReference();
            PINNED.add(id);
            return id;
        }
    }

    /**
     * The nodes of the recorded graph (kernels, memory copies and sets): what one replay launches, counted by the
     * CUDA runtime.
     */
    public long nodes() {
        try (org.bytedeco.javacpp.SizeTPointer n = new org.bytedeco.javacpp.SizeTPointer(1)) {
            n.put(0L);
            check(cudart.cudaGraphGetNodes(graph, (org.bytedeco.cuda.cudart.CUgraphNode_st) null, n), "cudaGraphGetNodes");
            return n.get();
        }
    }

    /** Launches the recorded kernels once more, on the capture stream (asynchronously). */
    public void replay() {
        check(cudart.cudaGraphLaunch(exec, stream.raw()), "cudaGraphLaunch");
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new IllegalStateException(call + " failed: " + cudart.cudaGetErrorString(status).getString()
                    + " (CUDA error " + status + ")");
        }
    }

    /** Frees the graph and returns its private memory pool to the allocator. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stream.cuda.synchronize();
        cudart.cudaGraphExecDestroy(exec);
        cudart.cudaGraphDestroy(graph);
        torch_cuda.getAllocator().releasePool((byte) stream.device.index(), pool);
    }
}
