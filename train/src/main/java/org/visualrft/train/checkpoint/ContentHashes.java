package org.visualrft.train.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.visualrft.train.data.parquet.DatasetFiles;

/**
 * SHA-256 of a run's inputs for provenance: each file of the base model folder and of the dataset (the JSONL file, or
 * every parquet shard), so a run names exactly what it read, not only where it was. Hashes are kept for the JVM's life
 * by (path, size, modification time): the checkpoints of a run do not read a 15 GB model again.
 */
final class ContentHashes {
    private record Key(Path path, long size, long modified) {
    }

    private static final Map<Key, String> CACHE = new ConcurrentHashMap<>();

    private ContentHashes() {
    }

    /** The model folder's files (not its subfolders, e.g. checkpoints) by name, with their SHA-256. */
    static Map<String, Object> modelFolder(String dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", dir);
        Path p = Path.of(dir);
        if (!Files.isDirectory(p)) {
            m.put("sha256", "unavailable (not a folder)");
            return m;
        }
        Map<String, String> files = new LinkedHashMap<>();
        try (Stream<Path> s = Files.list(p)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                files.put(f.getFileName().toString(), sha256(f));
            }
        } catch (IOException e) {
            m.put("sha256", "unavailable (" + e.getMessage() + ")");
            return m;
        }
        m.put("files_sha256", files);
        return m;
    }

    /** A dataset spec's files with their SHA-256 (JSONL: the file itself; its image files are not hashed). */
    static Map<String, Object> dataset(String spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", spec);
        List<Path> files = new ArrayList<>();
        try {
            if (DatasetFiles.isParquet(spec)) {
                files.addAll(DatasetFiles.resolve(spec));
            } else if (Files.isRegularFile(Path.of(spec))) {
                files.add(Path.of(spec));
            }
        } catch (RuntimeException e) {
            m.put("sha256", "unavailable (" + e.getMessage() + ")");
            return m;
        }
        if (files.isEmpty()) {
            m.put("sha256", "unavailable (no such file)");
            return m;
        }
        Map<String, String> hashes = new LinkedHashMap<>();
        for (Path f : files) {
            hashes.put(f.toString(), sha256(f));
        }
        m.put("files_sha256", hashes);
        return m;
    }

    static String sha256(Path f) {
        try {
            Key k = new Key(f.toAbsolutePath().normalize(), Files.size(f), Files.getLastModifiedTime(f).toMillis());
            String cached = CACHE.get(k);
            if (cached != null) {
                return cached;
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            }
            String h = HexFormat.of().formatHex(md.digest());
            CACHE.put(k, h);
            return h;
        } catch (IOException e) {
            return "unavailable (" + e.getMessage() + ")";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
