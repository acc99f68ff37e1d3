package org.visualrft.model.tensor;

import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.TensorArrayRef;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The project's tensor: a thin, immutable-looking handle on a libtorch tensor. Code outside
 * {@code org.visualrft.model.tensor} uses this type and never Bytedeco's.
 *
 * <p>Semantics are libtorch's (broadcasting, autograd, views share storage). Methods return new tensors unless the
 * name ends in {@code _} (in place, as in PyTorch). Dimensions may be negative (counted from the end).
 *
 * <p>Memory: see {@link NativeScope}. A tensor created inside an open scope dies with it unless kept
 * ({@link NativeScope#keep}) or persisted ({@link #persist()}).
 *
 * <p>Layout of this file (stable; others append small ops at the end): creation · conversion to Java · shape and
 * dtype · views and indexing · joining · elementwise · comparisons · linear algebra · reductions · neural-net
 * functions · autograd · in place · memory · appended ops.
 */
public final class Tensor implements AutoCloseable {
    private final org.bytedeco.pytorch.Tensor t;
    /**
     * This tensor as libtorch's optional argument, made once for persisted tensors (weights are passed as optionals
     * on every call); transient tensors make a fresh one that their scope frees.
     */
    private TensorOptional optional;
    private boolean persisted;

    private static final java.util.Map<Double, DoubleOptional> DOUBLES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Empty optionals, made on first use (after the engine is loaded: see {@link Engine#load()}). */
    private static final class Empty {
        static {
            Engine.load();
        }

        static final TensorOptional TENSOR = retained(new TensorOptional());
        static final DoubleOptional DOUBLE = retained(new DoubleOptional());
    }

    /** A helper object no scope frees (cached for the life of the JVM). */
    private static <P extends Pointer> P retained(P p) {
        p.retainReference();
        return p;
    }

    private TensorOptional optional() {
        if (!persisted) {
            return new TensorOptional(t);
        }
        if (optional == null) {
            optional = retained(new TensorOptional(t));
        }
        return optional;
    }

    private static TensorOptional optional(Tensor x) {
        return x == null ? Empty.TENSOR : x.optional();
    }

    private static DoubleOptional optional(double v) {
        return DOUBLES.computeIfAbsent(v, k -> retained(new DoubleOptional(k)));
    }

    Tensor(org.bytedeco.pytorch.Tensor t) {
        this.t = t;
        OpCounter.made(t);
    }

    static Tensor wrap(org.bytedeco.pytorch.Tensor t) {
        return new Tensor(t);
    }

    /** The raw Bytedeco tensor; package-private on purpose. */
    org.bytedeco.pytorch.Tensor raw() {
        return t;
    }

    // ---------------------------------------------------------------- creation

    static TensorOptions options(DType dtype) {
        return new TensorOptions(dtype.scalarType);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= s;
        }
        return n;
    }

    private static void checkCount(int length, long[] shape) {
        if (count(shape) != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + count(shape)
                    + " values, got " + length);
        }
    }

    private static Tensor fromPointer(Pointer p, long[] shape, DType dtype) {
        // from_blob borrows the buffer; clone gives the tensor its own storage before the buffer is freed
        return new Tensor(torch.from_blob(p, shape, options(dtype)).clone());
    }

    /** A float32 tensor holding a copy of {@code values}; {@code shape} defaults to one dimension. */
    public static Tensor fromFloats(float[] values, long... shape) {
        Engine.load();
        long[] s = shape.length == 0 ? new long[] {values.length} : shape;
        checkCount(values.length, s);
        try (FloatPointer p = new FloatPointer(values)) {
            return fromPointer(p, s, DType.F32);
        }
    }

    /** A float64 tensor holding a copy of {@code values}. */
    public static Tensor fromDoubles(double[] values, long... shape) {
        Engine.load();
        long[] s = shape.length == 0 ? new long[] {values.length} : shape;
        checkCount(values.length, s);
        try (DoublePointer p = new DoublePointer(values)) {
            return fromPointer(p, s, DType.F64);
        }
    }

    /** An int64 tensor holding a copy of {@code values}. */
    public static Tensor fromLongs(long[] values, long... shape) {
        Engine.load();
        long[] s = shape.length == 0 ? new long[] {values.length} : shape;
        checkCount(values.length, s);
        try (LongPointer p = new LongPointer(values)) {
            return fromPointer(p, s, DType.I64);
        }
    }

    /** An int64 tensor (token ids are int64 in libtorch) holding a copy of {@code values}. */
    public static Tensor fromInts(int[] values, long... shape) {
        long[] l = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            l[i] = values[i];
        }
        return fromLongs(l, shape);
    }

    /** A tensor of {@code dtype} decoded from raw little-endian bytes (e.g. a safetensors slice), copied. */
    public static Tensor fromBytes(java.nio.ByteBuffer bytes, DType dtype, long... shape) {
        Engine.load();
        long n = count(shape) * dtype.bytes();
        if (bytes.remaining() != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs " + n
                    + " bytes, got " + bytes.remaining());
        }
        if (n == 0) {
            return zeros(dtype, shape);
        }
        if (bytes.isDirect()) {
            try (BytePointer p = new BytePointer(bytes)) {
                return fromPointer(p, shape, dtype);
            }
        }
        byte[] copy = new byte[(int) n];
        bytes.duplicate().get(copy);
        try (BytePointer p = new BytePointer(copy)) {
            return fromPointer(p, shape, dtype);
        }
    }

    public static Tensor zeros(DType dtype, long... shape) {
        return zeros(dtype, Device.CPU, shape);
    }

    public static Tensor ones(DType dtype, long... shape) {
        Engine.load();
        return new Tensor(torch.ones(shape, options(dtype)));
    }

    public static Tensor full(double value, DType dtype, long... shape) {
        return full(value, dtype, Device.CPU, shape);
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value, DType dtype) {
        return full(value, dtype, new long[0]);
    }

    /** 0, 1, …, n−1 as int64. */
    public static Tensor arange(long n) {
        return arange(0, n, DType.I64);
    }

    /** start, start+1, …, end−1 in {@code dtype}. */
    public static Tensor arange(long start, long end, DType dtype) {
        return arange(start, end, dtype, Device.CPU);
    }

    /** Uniform on [0, 1), drawn from {@code gen}. */
    public static Tensor rand(Generator gen, DType dtype, long... shape) {
        Engine.load();
        return new Tensor(torch.rand(shape, gen.optional(), options(dtype)));
    }

    /** Standard normal, drawn from {@code gen}. */
    public static Tensor randn(Generator gen, DType dtype, long... shape) {
        Engine.load();
        return new Tensor(torch.randn(shape, gen.optional(), options(dtype)));
    }

    /** {@code n} category indices per row of the (unnormalised, non-negative) weights, drawn from {@code gen}. */
    public Tensor multinomial(long n, boolean replacement, Generator gen) {
        return new Tensor(torch.multinomial(t, n, replacement, gen.optional()));
    }

    // ---------------------------------------------------------------- conversion to Java

    private org.bytedeco.pytorch.Tensor cpuContiguous(DType dtype) {
        org.bytedeco.pytorch.Tensor c = t;
        if (!c.device().is_cpu()) {
            c = c.to(new org.bytedeco.pytorch.Device("cpu"), c.scalar_type());
        }
        if (c.scalar_type().value != dtype.scalarType.value) {
            c = c.toType(dtype.scalarType);
        }
        return c.contiguous();
    }

    /** All values, row-major, converted to float32 and copied to the Java heap. */
    public float[] toFloats() {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(DType.F32);
        float[] out = new float[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            new FloatPointer(c.data_ptr()).get(out);
        }
        return out;
    }

    /** All values, row-major, converted to float64. */
    public double[] toDoubles() {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(DType.F64);
        double[] out = new double[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            new DoublePointer(c.data_ptr()).get(out);
        }
        return out;
    }

    /** All values, row-major, converted to int64. */
    public long[] toLongs() {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(DType.I64);
        long[] out = new long[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            new LongPointer(c.data_ptr()).get(out);
        }
        return out;
    }

    /** All values, row-major, converted to int32. */
    public int[] toInts() {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(DType.I32);
        int[] out = new int[Math.toIntExact(c.numel())];
        if (out.length > 0) {
            new IntPointer(c.data_ptr()).get(out);
        }
        return out;
    }

    /** The raw bytes (little-endian, row-major) in this tensor's own dtype; for writers such as safetensors. */
    public byte[] toBytes() {
        org.bytedeco.pytorch.Tensor c = cpuContiguous(dtype());
        byte[] out = new byte[Math.toIntExact(c.nbytes())];
        if (out.length > 0) {
            new BytePointer(c.data_ptr()).get(out);
        }
        return out;
    }

    /**
     * Bytes copied per step by {@link #writeBytes} and {@link #readFrom}: the heap and native memory they use beyond
     * the tensor itself. Settable so tests can make small tensors span many steps.
     */
    private static volatile int ioChunkBytes = 4 << 20;

    /** The chunk size of {@link #writeBytes} and {@link #readFrom} (default 4 MiB). */
    public static int ioChunkBytes() {
        return ioChunkBytes;
    }

    /**
     * Sets the chunk size of {@link #writeBytes} and {@link #readFrom} and returns the previous one; for tests, which
     * use a few bytes so that a small tensor spans many chunks with boundaries inside elements.
     */
    public static int ioChunkBytes(int bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("chunk size " + bytes + " < 1");
        }
        int old = ioChunkBytes;
        ioChunkBytes = bytes;
        return old;
    }

    /** {@code length} bytes of native memory at {@code base + offset}, as a buffer that does not own them. */
    private static java.nio.ByteBuffer view(Pointer base, long offset, int length) {
        // asByteBuffer() starts at the pointer's address whatever its position: move the address instead
        return new BytePointer(base).getPointer(offset).capacity(length).asByteBuffer();
    }

    /**
     * Writes the bytes {@link #toBytes()} gives (little-endian, row-major, this tensor's own dtype) to {@code out},
     * in chunks of {@link #ioChunkBytes()} through one reused buffer: any size, without a copy of the whole tensor on
     * the Java heap. A GPU tensor (or a non-contiguous one) is first copied to contiguous host memory, which is freed
     * before this returns.
     */
    public void writeBytes(java.io.OutputStream out) throws java.io.IOException {
        try (PointerScope scope = new PointerScope()) { // frees the host copy (if one was made) on return
            org.bytedeco.pytorch.Tensor c = cpuContiguous(dtype());
            long n = c.nbytes();
            if (n == 0) {
                return;
            }
            Pointer base = c.data_ptr();
            byte[] buf = new byte[(int) Math.min(n, ioChunkBytes)];
            for (long off = 0; off < n; off += buf.length) {
                int len = (int) Math.min(buf.length, n - off);
                view(base, off, len).get(buf, 0, len);
                out.write(buf, 0, len);
            }
            java.lang.ref.Reference.reachabilityFence(c); // its memory is read through views that do not hold it
        }
    }

    /**
     * A CPU tensor of {@code dtype} and {@code shape} whose bytes (as {@link #toBytes()} gives them) are read from
     * {@code ch} starting at {@code position}, straight into its native memory in chunks of {@link #ioChunkBytes()}:
     * any size, without a copy on the Java heap. A file that ends before the tensor does is an {@link
     * java.io.EOFException} (and the half-read tensor is freed).
     */
    public static Tensor readFrom(java.nio.channels.FileChannel ch, long position, DType dtype, long... shape)
            throws java.io.IOException {
        Engine.load();
        long n;
        try {
            n = Math.multiplyExact(count(shape), (long) dtype.bytes());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large", e);
        }
        Tensor out = new Tensor(torch.empty(shape, options(dtype), null));
        try {
            Pointer base = out.t.data_ptr();
            for (long off = 0; off < n; ) {
                java.nio.ByteBuffer dst = view(base, off, (int) Math.min(ioChunkBytes, n - off));
                while (dst.hasRemaining()) {
                    int got = ch.read(dst, position + off + dst.position());
                    if (got < 0) {
                        throw new java.io.EOFException("the file ends at byte " + (position + off + dst.position())
                                + ", inside a tensor of " + n + " bytes that starts at byte " + position);
                    }
                }
                off += dst.capacity();
            }
            return out;
        } catch (java.io.IOException | RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** The single value of a one-element tensor. */
    public double item() {
        return t.item_double();
    }

    /** Whether no element is NaN or infinite (an integer tensor always is finite); temporaries are freed at once. */
    public boolean allFinite() {
        if (!dtype().isFloating()) {
            return true;
        }
        try (NativeScope s = NativeScope.open()) {
            // NaN and infinities make the sum non-finite: one fast reduction (~200x faster than isfinite().all() on
            // the CPU) decides the common case; the exact test tells a non-finite value from a sum that overflowed
            return Double.isFinite(t.sum().item_double()) || t.isfinite().all().item_bool();
        }
    }

    public long itemLong() {
        return t.item_long();
    }

    // ---------------------------------------------------------------- shape and dtype

    public long[] shape() {
        int d = (int) t.dim();
        long[] s = new long[d];
        for (int i = 0; i < d; i++) {
            s[i] = t.size(i);
        }
        return s;
    }

    public long size(int dim) {
        return t.size(dim);
    }

    public int dim() {
        return (int) t.dim();
    }

    public long numel() {
        return t.numel();
    }

    public DType dtype() {
        return DType.of(t.scalar_type());
    }

    public Device device() {
        return Device.parse(t.device().str().getString());
    }

    public Tensor to(DType dtype) {
        return dtype() == dtype ? this : new Tensor(t.toType(dtype.scalarType));
    }

    public Tensor to(Device device) {
        return new Tensor(t.to(device.raw(), t.scalar_type()));
    }

    public boolean isContiguous() {
        return t.is_contiguous();
    }

    // ---------------------------------------------------------------- views and indexing

    public Tensor reshape(long... shape) {
        return new Tensor(t.reshape(shape));
    }

    /** A view with a new shape (no copy; fails when the layout does not allow it — then use reshape). */
    public Tensor view(long... shape) {
        return new Tensor(t.view(shape));
    }

    public Tensor transpose(int dim0, int dim1) {
        return new Tensor(t.transpose(dim0, dim1));
    }

    public Tensor permute(long... dims) {
        return new Tensor(t.permute(dims));
    }

    /** {@code length} entries from {@code start} along {@code dim} (a view). */
    public Tensor narrow(int dim, long start, long length) {
        return new Tensor(t.narrow(dim, start, length));
    }

    /** Python's {@code x[..., start:end:step, ...]} along {@code dim} (a view). */
    public Tensor slice(int dim, long start, long end, long step) {
        return new Tensor(t.slice(dim, new LongOptional(start), new LongOptional(end), step));
    }

    /** Index {@code index} of {@code dim}, removing that dimension (a view). */
    public Tensor select(int dim, long index) {
        return new Tensor(t.select(dim, index));
    }

    public Tensor indexSelect(int dim, Tensor index) {
        return new Tensor(t.index_select(dim, index.t));
    }

    public Tensor gather(int dim, Tensor index) {
        return new Tensor(t.gather(dim, index.t));
    }

    public Tensor unsqueeze(int dim) {
        return new Tensor(t.unsqueeze(dim));
    }

    public Tensor squeeze(int dim) {
        return new Tensor(t.squeeze(dim));
    }

    public Tensor flatten(int startDim, int endDim) {
        return new Tensor(t.flatten(startDim, endDim));
    }

    /** Broadcast view to {@code shape} (−1 keeps a dimension). */
    public Tensor expand(long... shape) {
        return new Tensor(t.expand(shape));
    }

    public Tensor repeat(long... repeats) {
        return new Tensor(t.repeat(repeats));
    }

    public Tensor contiguous() {
        return new Tensor(t.contiguous());
    }

    /** Rotates entries along {@code dim} by {@code shift} (those pushed off the end come back at the start). */
    public Tensor roll(long shift, int dim) {
        return new Tensor(torch.roll(t, new long[] {shift}, new long[] {dim}));
    }

    // ---------------------------------------------------------------- joining

    private static TensorVector vector(List<Tensor> tensors) {
        TensorVector v = new TensorVector();
        for (Tensor x : tensors) {
            v.push_back(x.t);
        }
        return v;
    }

    public static Tensor cat(List<Tensor> tensors, int dim) {
        return new Tensor(torch.cat(vector(tensors), dim));
    }

    public static Tensor stack(List<Tensor> tensors, int dim) {
        return new Tensor(torch.stack(vector(tensors), dim));
    }

    // ---------------------------------------------------------------- elementwise (broadcasting)

    public Tensor add(Tensor o) {
        return new Tensor(t.add(o.t));
    }

    public Tensor add(double v) {
        return new Tensor(t.add(new Scalar(v)));
    }

    public Tensor sub(Tensor o) {
        return new Tensor(t.sub(o.t));
    }

    public Tensor sub(double v) {
        return new Tensor(t.sub(new Scalar(v)));
    }

    public Tensor mul(Tensor o) {
        return new Tensor(t.mul(o.t));
    }

    public Tensor mul(double v) {
        return new Tensor(t.mul(new Scalar(v)));
    }

    public Tensor div(Tensor o) {
        return new Tensor(t.div(o.t));
    }

    public Tensor div(double v) {
        return new Tensor(t.div(new Scalar(v)));
    }

    public Tensor neg() {
        return new Tensor(t.neg());
    }

    public Tensor exp() {
        return new Tensor(t.exp());
    }

    public Tensor log() {
        return new Tensor(t.log());
    }

    public Tensor pow(double exponent) {
        return new Tensor(t.pow(new Scalar(exponent)));
    }

    public Tensor pow(Tensor exponent) {
        return new Tensor(t.pow(exponent.t));
    }

    public Tensor sqrt() {
        return new Tensor(t.sqrt());
    }

    public Tensor rsqrt() {
        return new Tensor(t.rsqrt());
    }

    public Tensor abs() {
        return new Tensor(t.abs());
    }

    public Tensor square() {
        return new Tensor(t.square());
    }

    public Tensor tanh() {
        return new Tensor(t.tanh());
    }

    public Tensor sigmoid() {
        return new Tensor(t.sigmoid());
    }

    public Tensor sin() {
        return new Tensor(t.sin());
    }

    public Tensor cos() {
        return new Tensor(t.cos());
    }

    public Tensor clamp(double min, double max) {
        return new Tensor(t.clamp(new ScalarOptional(new Scalar(min)), new ScalarOptional(new Scalar(max))));
    }

    public Tensor clampMin(double min) {
        return new Tensor(t.clamp_min(new Scalar(min)));
    }

    public Tensor clampMax(double max) {
        return new Tensor(t.clamp_max(new Scalar(max)));
    }

    public Tensor maximum(Tensor o) {
        return new Tensor(torch.maximum(t, o.t));
    }

    public Tensor minimum(Tensor o) {
        return new Tensor(torch.minimum(t, o.t));
    }

    /** {@code cond ? a : b}, elementwise with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return new Tensor(torch.where(cond.t, a.t, b.t));
    }

    /** {@code cond ? a : b} with a scalar {@code b}. */
    public static Tensor where(Tensor cond, Tensor a, double b) {
        return new Tensor(torch.where(cond.t, a.t, new Scalar(b)));
    }

    // ---------------------------------------------------------------- comparisons (BOOL results)

    public Tensor eq(Tensor o) {
        return new Tensor(t.eq(o.t));
    }

    public Tensor eq(double v) {
        return new Tensor(t.eq(new Scalar(v)));
    }

    public Tensor ne(double v) {
        return new Tensor(torch.ne(t, new Scalar(v)));
    }

    public Tensor lt(Tensor o) {
        return new Tensor(t.lt(o.t));
    }

    public Tensor lt(double v) {
        return new Tensor(t.lt(new Scalar(v)));
    }

    public Tensor le(double v) {
        return new Tensor(torch.le(t, new Scalar(v)));
    }

    public Tensor gt(Tensor o) {
        return new Tensor(t.gt(o.t));
    }

    public Tensor gt(double v) {
        return new Tensor(t.gt(new Scalar(v)));
    }

    public Tensor ge(double v) {
        return new Tensor(torch.ge(t, new Scalar(v)));
    }

    public Tensor logicalNot() {
        return new Tensor(t.logical_not());
    }

    public Tensor logicalAnd(Tensor o) {
        return new Tensor(t.logical_and(o.t));
    }

    // ---------------------------------------------------------------- linear algebra

    public Tensor matmul(Tensor o) {
        return new Tensor(t.matmul(o.t));
    }

    /** {@code x @ weightᵀ + bias} with PyTorch's {@code [out, in]} weight layout; {@code bias} may be null. */
    public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
        return bias == null
                ? new Tensor(torch.linear(x.t, weight.t))
                : new Tensor(torch.linear(x.t, weight.t, bias.optional()));
    }

    // ---------------------------------------------------------------- reductions

    public Tensor sum() {
        return new Tensor(t.sum());
    }

    public Tensor sum(int dim, boolean keepDim) {
        return new Tensor(t.sum(new long[] {dim}, keepDim, new ScalarTypeOptional()));
    }

    public Tensor mean() {
        return new Tensor(t.mean());
    }

    public Tensor mean(int dim, boolean keepDim) {
        return new Tensor(t.mean(new long[] {dim}, keepDim, new ScalarTypeOptional()));
    }

    /** The largest value of the whole tensor. */
    public Tensor max() {
        return new Tensor(t.max());
    }

    /** Largest values along {@code dim}. */
    public Tensor max(int dim, boolean keepDim) {
        return new Tensor(t.amax(new long[] {dim}, keepDim));
    }

    public Tensor min(int dim, boolean keepDim) {
        T_TensorTensor_T r = t.min(dim, keepDim);
        return new Tensor(r.get0());
    }

    /** Indices (int64) of the largest values along {@code dim}. */
    public Tensor argmax(int dim, boolean keepDim) {
        return new Tensor(t.argmax(new LongOptional(dim), keepDim));
    }

    public Tensor logSumExp(int dim, boolean keepDim) {
        return new Tensor(t.logsumexp(new long[] {dim}, keepDim));
    }

    public Tensor cumsum(int dim) {
        return new Tensor(t.cumsum(dim));
    }

    /** Values and int64 indices of a top-k or sort. */
    public record ValuesIndices(Tensor values, Tensor indices) {
    }

    /** The {@code k} largest entries along {@code dim}, sorted descending. */
    public ValuesIndices topk(long k, int dim) {
        T_TensorTensor_T r = t.topk(k, dim, true, true);
        return new ValuesIndices(new Tensor(r.get0()), new Tensor(r.get1()));
    }

    public ValuesIndices sort(int dim, boolean descending) {
        T_TensorTensor_T r = t.sort(dim, descending);
        return new ValuesIndices(new Tensor(r.get0()), new Tensor(r.get1()));
    }

    // ---------------------------------------------------------------- neural-net functions

    public Tensor softmax(int dim) {
        return new Tensor(t.softmax(dim));
    }

    public Tensor logSoftmax(int dim) {
        return new Tensor(t.log_softmax(dim));
    }

    public Tensor silu() {
        return new Tensor(torch.silu(t));
    }

    /** GELU, exact (erf) form. */
    public Tensor gelu() {
        return new Tensor(torch.gelu(t));
    }

    /** GELU, tanh approximation. */
    public Tensor geluTanh() {
        return new Tensor(torch.gelu(t, "tanh"));
    }

    public Tensor relu() {
        return new Tensor(t.relu());
    }

    /** Where {@code mask} is true, {@code value}; elsewhere this tensor. */
    public Tensor maskedFill(Tensor mask, double value) {
        return new Tensor(t.masked_fill(mask.t, new Scalar(value)));
    }

    /**
     * RMSNorm over the last dimension: {@code x / sqrt(mean(x²) + eps) * weight}. One call, but on CPU libtorch 2.10
     * composes it from about 6 ops forward and 12 backward (measured with perf); no fused kernel is exposed.
     */
    public Tensor rmsNorm(Tensor weight, double eps) {
        return new Tensor(torch.rms_norm(t, new long[] {t.size(-1)}, weight.optional(), optional(eps)));
    }

    /** LayerNorm over the last dimension; {@code bias} may be null. */
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) {
        return new Tensor(torch.layer_norm(t, new long[] {t.size(-1)}, weight.optional(), optional(bias), eps, true));
    }

    /** Rows of {@code weight} picked by the int64 {@code ids}: shape {@code ids.shape + [dim]}. */
    public static Tensor embedding(Tensor weight, Tensor ids) {
        return new Tensor(torch.embedding(weight.t, ids.t));
    }

    /**
     * Attention {@code softmax(q kᵀ · scale + mask) v} over {@code [batch, heads, seq, headDim]} tensors (libtorch's
     * fused kernel). {@code mask} (bool: true = may attend, or additive float) may be null; {@code causal} masks the
     * upper triangle aligned at the top-left; {@code gqa} lets {@code k, v} have fewer heads than {@code q}.
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal,
            boolean gqa) {
        return new Tensor(torch.scaled_dot_product_attention(q.t, k.t, v.t, optional(mask), 0.0, causal, Empty.DOUBLE,
                gqa));
    }

    /** Per-token cross entropy {@code -log_softmax(logits)[target]} over the last dimension, no reduction. */
    public static Tensor tokenLogProbs(Tensor logits, Tensor targets) {
        Tensor logp = logits.logSoftmax(-1);
        return logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);
    }

    // ---------------------------------------------------------------- autograd

    /** Marks this (leaf) tensor as needing gradients, in place; returns this. */
    public Tensor requiresGrad(boolean on) {
        t.requires_grad_(on);
        return this;
    }

    public boolean requiresGrad() {
        return t.requires_grad();
    }

    public boolean isLeaf() {
        return t.is_leaf();
    }

    /** Back-propagates from this scalar; gradients accumulate into the leaves' {@link #grad()}. */
    public void backward() {
        t.backward();
    }

    /** Back-propagates with an explicit upstream gradient of this tensor's shape. */
    public void backward(Tensor gradient) {
        t.backward(gradient.t, new org.bytedeco.pytorch.BoolOptional(), false,
                new org.bytedeco.pytorch.TensorArrayRefOptional());
    }

    /**
     * The accumulated gradient of a leaf, or null when none has been computed. The handle refers to the leaf's own
     * gradient field: it is valid while the leaf lives ({@link #detach()} it to keep the gradient longer).
     */
    public Tensor grad() {
        org.bytedeco.pytorch.Tensor g = t.grad();
        return g == null || !g.defined() ? null : new Tensor(g);
    }

    /** Sets the gradient to zero (keeps its storage) when there is one. */
    public void zeroGrad() {
        org.bytedeco.pytorch.Tensor g = t.grad();
        if (g != null && g.defined()) {
            g.zero_();
        }
    }

    /**
     * Drops the gradient, freeing its storage (PyTorch's {@code zero_grad(set_to_none=True)}); the next backward
     * allocates a new one. For measuring memory: {@link #zeroGrad()} keeps every gradient allocated.
     */
    public void clearGrad() {
        t.mutable_grad().put(new org.bytedeco.pytorch.Tensor());
    }

    /** Whether this tensor's data and {@code o}'s start at the same address (one storage, viewed alike). */
    public boolean sameData(Tensor o) {
        return t.data_ptr().address() == o.t.data_ptr().address();
    }

    /** Same values, cut from the autograd graph (shares storage). */
    public Tensor detach() {
        return new Tensor(t.detach());
    }

    /** A copy with its own storage (still connected to autograd). */
    public Tensor copy() {
        return new Tensor(t.clone());
    }

    /**
     * Turns autograd off on this thread until closed: {@code try (var g = Tensor.noGrad()) { ... }}.
     */
    public static GradMode noGrad() {
        Engine.load();
        return new GradMode(new org.bytedeco.pytorch.NoGradGuard());
    }

    /**
     * Inference mode on this thread until closed: like {@link #noGrad()} but cheaper per op; tensors created in it
     * can never join an autograd graph later (use it for sampling only).
     */
    public static GradMode inferenceMode() {
        Engine.load();
        return new GradMode(new org.bytedeco.pytorch.InferenceMode(true));
    }

    /** Turns autograd on on this thread until closed (inside a {@link #noGrad()} block, for instance). */
    public static GradMode enableGrad() {
        Engine.load();
        return new GradMode(new org.bytedeco.pytorch.AutoGradMode(true));
    }

    /** Whether autograd records operations on this thread now (not inside {@link #noGrad()}). */
    public static boolean gradEnabled() {
        Engine.load();
        return org.bytedeco.pytorch.GradMode.is_enabled();
    }

    /** A guard that restores the previous autograd mode when closed. */
    public static final class GradMode implements AutoCloseable {
        private final Pointer guard;

        private GradMode(Pointer guard) {
            this.guard = guard;
            guard.retainReference(); // the guard is closed by its owner, not by an enclosing scope
        }

        @Override
        public void close() {
            guard.deallocate();
        }
    }

    // ---------------------------------------------------------------- in place (optimisers, caches)

    /** {@code this += alpha * o}. */
    public Tensor add_(Tensor o, double alpha) {
        t.add_(o.t, new Scalar(alpha));
        OpCounter.inPlace();
        return this;
    }

    public Tensor add_(double v) {
        t.add_(new Scalar(v));
        OpCounter.inPlace();
        return this;
    }

    public Tensor mul_(double v) {
        t.mul_(new Scalar(v));
        OpCounter.inPlace();
        return this;
    }

    public Tensor mul_(Tensor o) {
        t.mul_(o.t);
        OpCounter.inPlace();
        return this;
    }

    public Tensor div_(Tensor o) {
        t.div_(o.t);
        OpCounter.inPlace();
        return this;
    }

    public Tensor div_(double v) {
        t.div_(new Scalar(v));
        OpCounter.inPlace();
        return this;
    }

    /** {@code this += value * a * b}. */
    public Tensor addcmul_(Tensor a, Tensor b, double value) {
        t.addcmul_(a.t, b.t, new Scalar(value));
        OpCounter.inPlace();
        return this;
    }

    /** {@code this += value * a / b}. */
    public Tensor addcdiv_(Tensor a, Tensor b, double value) {
        t.addcdiv_(a.t, b.t, new Scalar(value));
        OpCounter.inPlace();
        return this;
    }

    /** Copies {@code src}'s values (broadcast, converted) into this tensor's storage. */
    public Tensor copy_(Tensor src) {
        t.copy_(src.t);
        OpCounter.inPlace();
        return this;
    }

    public Tensor zero_() {
        t.zero_();
        OpCounter.inPlace();
        return this;
    }

    public Tensor fill_(double v) {
        t.fill_(new Scalar(v));
        OpCounter.inPlace();
        return this;
    }

    /** Copies {@code src} into the entries {@code index} (int64) of {@code dim}. */
    public Tensor indexCopy_(int dim, Tensor index, Tensor src) {
        t.index_copy_(dim, index.t, src.t);
        OpCounter.inPlace();
        return this;
    }

    // ---------------------------------------------------------------- memory

    /**
     * Takes this tensor out of every scope's reach (see {@link NativeScope}): it lives until {@link #close()} or
     * the GC. For parameters, optimiser state, caches.
     */
    public Tensor persist() {
        t.retainReference();
        persisted = true;
        return this;
    }

    /** Releases this handle's reference to the native tensor now. */
    @Override
    public void close() {
        if (optional != null) {
            optional.releaseReference();
            optional = null;
        }
        t.releaseReference();
    }

    /** Whether {@link #close()} has freed this handle (reading it now would be a use-after-free). */
    public boolean isClosed() {
        return t.isNull();
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape()) + " " + dtype() + (requiresGrad() ? " grad" : "");
    }


    // ---------------------------------------------------------------- devices (CPU, CUDA)

    static TensorOptions options(DType dtype, Device device) {
        return new TensorOptions(dtype.scalarType).device(new DeviceOptional(device.raw()));
    }

    /** This tensor on {@code device}: itself when already there, else a copy. */
    public Tensor on(Device device) {
        return isOn(device) ? this : to(device);
    }

    /** Whether this tensor lives on {@code device}. */
    public boolean isOn(Device device) {
        org.bytedeco.pytorch.Device d = t.device();
        return device.isCpu() ? d.is_cpu() : d.is_cuda() && d.index() == device.index();
    }

    /** Zeros of {@code dtype} on {@code device}. */
    public static Tensor zeros(DType dtype, Device device, long... shape) {
        Engine.load();
        return new Tensor(torch.zeros(shape, options(dtype, device)));
    }

    /** {@code value} everywhere, of {@code dtype} on {@code device}. */
    public static Tensor full(double value, DType dtype, Device device, long... shape) {
        Engine.load();
        return new Tensor(torch.full(shape, new Scalar(value), options(dtype, device)));
    }

    /** start, start+1, …, end−1 in {@code dtype} on {@code device}. */
    public static Tensor arange(long start, long end, DType dtype, Device device) {
        Engine.load();
        return new Tensor(torch.arange(new Scalar(start), new Scalar(end), options(dtype, device)));
    }

    /** Both at once: one copy when the device and the dtype change. */
    public Tensor to(Device device, DType dtype) {
        if (isOn(device)) {
            return to(dtype);
        }
        return new Tensor(t.to(device.raw(), dtype.scalarType));
    }

    /** {@code this += v} with an integer scalar (a double would make an integer tensor's result float). */
    public Tensor addInt_(long v) {
        t.add_(new Scalar(v));
        OpCounter.inPlace();
        return this;
    }

    public Tensor logicalOr(Tensor o) {
        return new Tensor(t.logical_or(o.t));
    }

    // ---------------------------------------------------------------- appended ops (others: add below this line)

    /**
     * Antialiased bicubic resize of the last two dimensions of an N×C×H×W tensor to {@code height × width}:
     * {@code torch.nn.functional.interpolate(x, size, mode="bicubic", align_corners=False, antialias=True)}. On a
     * uint8 tensor on the CPU this is libtorch's fixed-point kernel, the one torchvision's resize runs.
     */
    public Tensor resizeBicubicAntialias(long height, long width) {
        org.bytedeco.pytorch.InterpolateFuncOptions o = new org.bytedeco.pytorch.InterpolateFuncOptions();
        o.size().put(new org.bytedeco.pytorch.LongVector(height, width));
        o.mode().put(new org.bytedeco.pytorch.kBicubic());
        o.align_corners().put(false);
        o.antialias().put(true);
        return new Tensor(torch.interpolate(t, o));
    }

    /**
     * {@code this += a @ weightᵀ} in place, one GEMM with β = 1 ({@code weight} in PyTorch's {@code [out, in]} layout):
     * a linear projection and its residual add in one kernel. {@code this} is {@code [rows, out]}, {@code a}
     * {@code [rows, in]} (row stride may exceed {@code in}: a narrowed view works).
     */
    public Tensor addLinear_(Tensor a, Tensor weight) {
        t.addmm_(a.t, weight.t.t());
        OpCounter.inPlace();
        return this;
    }

    /** SiLU in place. */
    public Tensor silu_() {
        torch.silu_(t);
        OpCounter.inPlace();
        return this;
    }
}
