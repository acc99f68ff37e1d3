package org.visualrft.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.visualrft.model.safetensors.SafeTensorsFile;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.tensor.Tensor;

/**
 * Named tensors in the safetensors layout, bit-exact in their own dtype: optimiser state and adapters. Written by
 * {@link SafeTensorsWriter} and read by {@link SafeTensorsFile} (its validation and messages), both streaming between
 * native memory and the file in bounded chunks, so a file or a tensor of any size (over 2 GiB included) is written and
 * read without a copy on the Java heap; any safetensors reader can open the files.
 */
public final class TensorArchive {
    private TensorArchive() {
    }

    public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
        SafeTensorsWriter.write(file, tensors, null);
    }

    /**
     * Writes the entries in order, one tensor in memory at a time: each entry's value is made exactly once, when its
     * turn comes (even for an empty tensor: it may run a collective on every rank), and freed after its bytes when it
     * says so. A value whose dtype or shape is not the declared one is an {@link IllegalStateException}; on any
     * failure no file is left (the entries after the failing one are not made).
     */
    public static void write(Path file, List<SafeTensorsWriter.Entry> entries) throws IOException {
        SafeTensorsWriter.write(file, entries, null);
    }

    /** Reads every tensor (created in the current native scope, if any). */
    public static Map<String, Tensor> read(Path file) throws IOException {
        return read(file, name -> true);
    }

    /**
     * Reads the tensors whose names {@code wanted} accepts, in file order (created in the current native scope, if
     * any); the others are not read, but the whole header is validated.
     */
    public static Map<String, Tensor> read(Path file, Predicate<String> wanted) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        try {
            scan(file, wanted, out::put);
        } catch (RuntimeException e) {
            out.values().forEach(Tensor::close);
            throw e;
        }
        return out;
    }

    /**
     * Reads the tensors {@code wanted} accepts one at a time, in file order, hands each to {@code use} and frees it
     * when {@code use} returns: at most one of the file's tensors is in memory. The whole header is validated first.
     */
    public static void forEach(Path file, Predicate<String> wanted, BiConsumer<String, Tensor> use)
            throws IOException {
        scan(file, wanted, (name, t) -> {
            try {
                use.accept(name, t);
            } finally {
                t.close();
            }
        });
    }

    private static void scan(Path file, Predicate<String> wanted, BiConsumer<String, Tensor> use) {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            for (String name : f.entries().keySet()) {
                if (wanted.test(name)) {
                    use.accept(name, f.read(name));
                }
            }
        }
    }

    /** Each tensor's shape, in file order, from the (validated) header alone. */
    public static Map<String, long[]> shapes(Path file) throws IOException {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
            Map<String, long[]> out = new LinkedHashMap<>();
            f.entries().forEach((name, e) -> out.put(name, e.shape()));
            return out;
        }
    }
}
