package org.visualrft.model.safetensors;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.visualrft.model.tensor.Tensor;

/**
 * Tensors stream to and from files in chunks of a few bytes during each test ({@link Tensor#ioChunkBytes}), so that
 * chunk boundaries fall inside elements; the real size comes back after it. Register it with
 * {@code @RegisterExtension final SmallIoChunks chunks = new SmallIoChunks(3);}.
 */
public final class SmallIoChunks implements BeforeEachCallback, AfterEachCallback {
    private final int bytes;
    private int real;

    public SmallIoChunks(int bytes) {
        this.bytes = bytes;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        real = Tensor.ioChunkBytes(bytes);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Tensor.ioChunkBytes(real);
    }

    /** The chunk size outside the tests (for a test that wants it back). */
    public int realBytes() {
        return real;
    }
}
