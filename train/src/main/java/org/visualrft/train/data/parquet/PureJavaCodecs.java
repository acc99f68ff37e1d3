package org.visualrft.train.data.parquet;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Parquet page codecs in pure Java (aircompressor, java.util.zip), so no JNI library (snappy-java, zstd-jni) and no
 * Hadoop codec classes are needed. Reads uncompressed, Snappy (what {@code datasets}/pyarrow write by default),
 * ZSTD, GZIP and LZ4_RAW pages; writes uncompressed or Snappy.
 */
public final class PureJavaCodecs implements CompressionCodecFactory {
    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new Pages(codec, null, null);
            case SNAPPY -> new Pages(codec, null, new SnappyCompressor());
            default -> throw new UnsupportedOperationException("writing " + codec + " pages is not supported");
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED, GZIP -> new Pages(codec, null, null);
            case SNAPPY -> new Pages(codec, new SnappyDecompressor(), null);
            case ZSTD -> new Pages(codec, new ZstdDecompressor(), null);
            case LZ4_RAW -> new Pages(codec, new Lz4Decompressor(), null);
            default -> throw new UnsupportedOperationException("parquet pages compressed with " + codec
                    + " are not supported (uncompressed, snappy, zstd, gzip, lz4_raw are)");
        };
    }

    @Override
    public void release() {
    }

    private record Pages(CompressionCodecName codec, Decompressor decompressor, Compressor compressor)
            implements BytesInputDecompressor, BytesInputCompressor {
        @Override
        public BytesInput decompress(BytesInput in, int uncompressedSize) throws IOException {
            byte[] src = in.toByteArray();
            if (codec == CompressionCodecName.UNCOMPRESSED) {
                return BytesInput.from(src);
            }
            byte[] dst = new byte[uncompressedSize];
            if (codec == CompressionCodecName.GZIP) {
                try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(src))) {
                    int n = z.readNBytes(dst, 0, uncompressedSize);
                    if (n != uncompressedSize) {
                        throw new IOException("gzip page is " + n + " bytes, the header says " + uncompressedSize);
                    }
                }
                return BytesInput.from(dst);
            }
            int n;
            try {
                n = decompressor.decompress(src, 0, src.length, dst, 0, uncompressedSize);
            } catch (RuntimeException e) {
                throw new IOException("corrupt " + codec + " page: " + e.getMessage(), e);
            }
            if (n != uncompressedSize) {
                throw new IOException(codec + " page is " + n + " bytes, the header says " + uncompressedSize);
            }
            return BytesInput.from(dst);
        }

        @Override
        public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] src = new byte[compressedSize];
            input.get(src);
            output.put(decompress(BytesInput.from(src), uncompressedSize).toByteArray());
        }

        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            byte[] src = bytes.toByteArray();
            if (compressor == null) {
                return BytesInput.from(src);
            }
            byte[] dst = new byte[compressor.maxCompressedLength(src.length)];
            int n = compressor.compress(src, 0, src.length, dst, 0, dst.length);
            return BytesInput.from(dst, 0, n);
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {
        }
    }
}
