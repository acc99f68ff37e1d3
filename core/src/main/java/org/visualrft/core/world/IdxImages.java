package org.visualrft.core.world;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.visualrft.core.BadInputException;

/**
 * Reads MNIST-style IDX files (gzip-compressed): {@code idx3-ubyte} images and {@code idx1-ubyte} labels. Any
 * deviation from the format (magic number, sizes, truncation) is bad input naming the source.
 */
public final class IdxImages {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private IdxImages() {
    }

    /** Images as one byte array per image (row-major, rows × cols), with the declared geometry. */
    public record Images(int rows, int cols, byte[][] pixels) {
    }

    /** Reads a gzip IDX image file. */
    public static Images readImages(InputStream gz, String source) {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(gz))) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new BadInputException(source, String.format("not an IDX image file (magic 0x%08x)", magic));
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || rows > 4096 || cols > 4096) {
                throw new BadInputException(source, "implausible IDX header " + n + "×" + rows + "×" + cols);
            }
            byte[][] pixels = new byte[n][rows * cols];
            for (int i = 0; i < n; i++) {
                in.readFully(pixels[i]);
            }
            return new Images(rows, cols, pixels);
        } catch (EOFException e) {
            throw new BadInputException(source, "truncated IDX image file", e);
        } catch (IOException e) {
            throw new BadInputException(source, "unreadable IDX image file: " + e.getMessage(), e);
        }
    }

    /** Reads a gzip IDX label file. */
    public static byte[] readLabels(InputStream gz, String source) {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(gz))) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new BadInputException(source, String.format("not an IDX label file (magic 0x%08x)", magic));
            }
            int n = in.readInt();
            if (n < 0) {
                throw new BadInputException(source, "negative label count " + n);
            }
            byte[] labels = new byte[n];
            in.readFully(labels);
            return labels;
        } catch (EOFException e) {
            throw new BadInputException(source, "truncated IDX label file", e);
        } catch (IOException e) {
            throw new BadInputException(source, "unreadable IDX label file: " + e.getMessage(), e);
        }
    }

    /** Writes a gzip IDX image file body (header + pixels) to a byte array. */
    static byte[] encodeImages(int rows, int cols, byte[][] pixels) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(bytes) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
            }
        })) {
            out.writeInt(IMAGES_MAGIC);
            out.writeInt(pixels.length);
            out.writeInt(rows);
            out.writeInt(cols);
            for (byte[] p : pixels) {
                out.write(p);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** Writes a gzip IDX label file to a byte array. */
    static byte[] encodeLabels(byte[] labels) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(bytes))) {
            out.writeInt(LABELS_MAGIC);
            out.writeInt(labels.length);
            out.write(labels);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }
}
