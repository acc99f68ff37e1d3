package org.visualrft.core.data;

import java.nio.file.Path;

/** Where a sample's image is: a file, or encoded bytes held in memory (PNG, JPEG, ... as stored). */
public sealed interface ImageRef {
    /** An image file. */
    record File(Path path) implements ImageRef {
    }

    /** Encoded image bytes (e.g. decoded from base64 in a JSONL line). Do not modify the array. */
    record Bytes(byte[] data) implements ImageRef {
        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && java.util.Arrays.equals(data, b.data);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Bytes[" + data.length + " bytes]";
        }
    }

    static ImageRef file(Path path) {
        return new File(path);
    }

    static ImageRef bytes(byte[] data) {
        return new Bytes(data);
    }
}
