package org.visualrft.model.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.visualrft.core.BadInputException;
import org.visualrft.model.tensor.Tensor;

/**
 * The weights of a model folder: either one {@code model.safetensors} or shards listed by
 * {@code model.safetensors.index.json} ({@code {"weight_map": {tensor name: shard file}}}).
 */
public final class Weights implements AutoCloseable {
    private final Map<String, SafeTensorsFile> byName;
    private final List<SafeTensorsFile> files;

    private Weights(Map<String, SafeTensorsFile> byName, List<SafeTensorsFile> files) {
        this.byName = byName;
        this.files = files;
    }

    /**
     * Opens the weights of model folder {@code dir}: {@code model.safetensors} when it is there (transformers'
     * {@code from_pretrained} takes it before an index too, so a model saved over an older sharded one reads back as
     * saved), else the shards {@code model.safetensors.index.json} lists.
     */
    public static Weights open(Path dir) {
        Path single = dir.resolve("model.safetensors");
        Path index = dir.resolve("model.safetensors.index.json");
        if (!Files.isRegularFile(single) && Files.isRegularFile(index)) {
            return openIndex(dir, index);
        }
        if (!Files.isRegularFile(single)) {
            throw new BadInputException(dir, "no model.safetensors or model.safetensors.index.json");
        }
        SafeTensorsFile f = SafeTensorsFile.open(single);
        Map<String, SafeTensorsFile> m = new LinkedHashMap<>();
        f.entries().keySet().forEach(n -> m.put(n, f));
        return new Weights(m, List.of(f));
    }

    private static Weights openIndex(Path dir, Path index) {
        JsonNode map;
        try {
            map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new BadInputException(index, "not valid JSON: " + org.visualrft.core.data.json.JsonErrors.describe(e), e);
        }
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new BadInputException(index, map == null || !map.isObject() ? "no \"weight_map\" object"
                    : "\"weight_map\" lists no tensor");
        }
        Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafeTensorsFile> byName = new LinkedHashMap<>();
        List<SafeTensorsFile> opened = new ArrayList<>();
        try {
            var it = map.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new BadInputException(index, "weight_map entry of '" + e.getKey() + "' is " + e.getValue()
                            + ", not a shard file name");
                }
                String shard = e.getValue().asText();
                if (shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                    throw new BadInputException(index, "shard name '" + shard + "' is not a plain file name");
                }
                SafeTensorsFile f = shards.get(shard);
                if (f == null) {
                    if (!Files.isRegularFile(dir.resolve(shard))) {
                        throw new BadInputException(dir.resolve(shard), "missing: " + index.getFileName()
                                + " lists this shard (for tensor '" + e.getKey() + "')");
                    }
                    f = SafeTensorsFile.open(dir.resolve(shard));
                    shards.put(shard, f);
                    opened.add(f);
                }
                if (!f.contains(e.getKey())) {
                    throw new BadInputException(f.file(), "index lists tensor '" + e.getKey()
                            + "' in this shard but it is not there");
                }
                byName.put(e.getKey(), f);
            }
            // a shard's tensor the index does not send there (not listed, or listed in another shard): the folder
            // contradicts itself, and which copy a reader takes would be a guess
            for (SafeTensorsFile f : opened) {
                for (String name : f.entries().keySet()) {
                    SafeTensorsFile listed = byName.get(name);
                    if (listed != f) {
                        throw new BadInputException(f.file(), "holds tensor '" + name + "', which "
                                + index.getFileName() + (listed == null ? " does not list"
                                : " lists in " + listed.file().getFileName()));
                    }
                }
            }
        } catch (RuntimeException e) {
            opened.forEach(SafeTensorsFile::close);
            throw e;
        }
        return new Weights(byName, opened);
    }

    public List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(byName.keySet()));
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public TensorEntry entry(String name) {
        return file(name).entries().get(name);
    }

    /**
     * Checks, from the headers alone (before any tensor data is read), every tensor that {@code expected} gives a shape
     * for (null: a name the model does not read): it must have that shape and a floating-point dtype. A mismatch is a
     * {@link BadInputException} naming the file, the tensor and both shapes.
     */
    public void checkShapes(Function<String, long[]> expected) {
        for (Map.Entry<String, SafeTensorsFile> e : byName.entrySet()) {
            long[] want = expected.apply(e.getKey());
            if (want == null) {
                continue;
            }
            TensorEntry t = e.getValue().entries().get(e.getKey());
            if (!Arrays.equals(want, t.shape())) {
                throw new BadInputException(e.getValue().file(), "tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + " but config.json gives " + Arrays.toString(want));
            }
            if (!t.dtype().isFloating()) {
                throw new BadInputException(e.getValue().file(), "tensor '" + e.getKey() + "' is "
                        + SafeTensorsDTypes.name(t.dtype()) + "; a model weight is a floating-point tensor");
            }
        }
    }

    /**
     * One tensor copied into libtorch in its stored dtype. A weight holding NaN or infinite values is refused naming
     * the file and the tensor: it would load and then turn every answer into the same token with a NaN log-prob, and
     * every training step into a skipped one.
     */
    public Tensor read(String name) {
        SafeTensorsFile f = file(name);
        Tensor t = f.read(name);
        if (!t.allFinite()) {
            t.close();
            throw new BadInputException(f.file(), "tensor '" + name + "' holds NaN or infinite values");
        }
        return t;
    }

    private SafeTensorsFile file(String name) {
        SafeTensorsFile f = byName.get(name);
        if (f == null) {
            Path where = files.isEmpty() ? null : files.get(0).file();
            throw new BadInputException(where, "no tensor named '" + name + "'");
        }
        return f;
    }

    @Override
    public void close() {
        files.forEach(SafeTensorsFile::close);
    }
}
