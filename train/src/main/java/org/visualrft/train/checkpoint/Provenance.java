package org.visualrft.train.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.model.tensor.Engine;
import org.visualrft.core.io.AtomicFile;

/**
 * {@code provenance.json}: what produced a run or a checkpoint — the resolved config, the seed, the git commit of the
 * code, the library versions, the reward functions with their weights and mode, the inputs by content (SHA-256 of
 * the base model's files and of the dataset files) and the engine settings that change the numbers (dtype, LoRA).
 */
public final class Provenance {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Provenance() {
    }

    public static Map<String, Object> describe(String kind, Map<String, Object> config, long seed,
            Map<String, List<String>> rewardsPerTask, String rewardMode) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("created", Instant.now().toString());
        m.put("seed", seed);
        m.put("git_commit", gitCommit());
        Map<String, Object> libs = new LinkedHashMap<>();
        libs.put("java", System.getProperty("java.version"));
        libs.put("java_vm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        libs.put("libtorch", safe(Engine::libtorchVersion));
        libs.put("bytedeco_pytorch", safe(Engine::presetsVersion));
        libs.put("libtorch_threads", safe(() -> String.valueOf(Engine.threads())));
        libs.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("versions", libs);
        if (rewardsPerTask != null) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("per_task", rewardsPerTask);
            r.put("mode", rewardMode);
            m.put("rewards", r);
        }
        m.put("config", config);
        Map<String, Object> inputs = new LinkedHashMap<>();
        if (config.get("model") instanceof String model) {
            inputs.put("model", ContentHashes.modelFolder(model));
        }
        for (String key : List.of("dataset", "eval_dataset")) {
            if (config.get(key) instanceof String spec) {
                inputs.put(key, ContentHashes.dataset(spec));
            }
        }
        m.put("inputs", inputs);
        m.put("engine_settings", engineSettings(config));
        return m;
    }

    /**
     * The precision and LoRA settings the model was opened with, from the resolved config ({@code torch_dtype},
     * {@code use_peft}, {@code lora_*}): null torch_dtype is the model's own, no use_peft is full fine-tuning.
     */
    static Map<String, Object> engineSettings(Map<String, Object> config) {
        Map<String, Object> e = new LinkedHashMap<>();
        Object dtype = config.get("torch_dtype");
        e.put("dtype", dtype == null ? "model default (config.json torch_dtype)" : dtype);
        if (!Boolean.TRUE.equals(config.get("use_peft"))) {
            e.put("lora", null);
        } else {
            Map<String, Object> lora = new LinkedHashMap<>();
            lora.put("rank", config.get("lora_r"));
            lora.put("alpha", config.get("lora_alpha"));
            lora.put("targets", config.get("lora_target_modules"));
            if (config.get("lora_exclude_modules") != null) {
                lora.put("exclude", config.get("lora_exclude_modules"));
            }
            lora.put("seed", config.get("seed"));
            e.put("lora", lora);
        }
        return e;
    }

    /** Writes {@code provenance.json} into {@code dir} atomically, adding {@code extra} entries (e.g. the step). */
    public static void write(Path dir, Map<String, Object> provenance, Map<String, Object> extra) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>(provenance);
        if (extra != null) {
            m.putAll(extra);
        }
        AtomicFile.writeString(dir.resolve("provenance.json"), JSON.writeValueAsString(m) + "\n");
    }

    private static String safe(java.util.function.Supplier<String> s) {
        try {
            return s.get();
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * The commit of the code that runs, read from the {@code .git} folder above {@code vrft.home} (the launcher sets
     * it) or the working directory; {@code "unknown"} outside a checkout. A dirty tree is not detected.
     */
    public static String gitCommit() {
        String home = System.getProperty("vrft.home");
        for (Path start : new Path[] {home == null ? null : Path.of(home), Path.of("").toAbsolutePath()}) {
            if (start == null) {
                continue;
            }
            for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
                Path git = p.resolve(".git");
                if (Files.isDirectory(git)) {
                    String c = resolveHead(git);
                    if (c != null) {
                        return c;
                    }
                }
            }
        }
        return "unknown";
    }

    private static String resolveHead(Path git) {
        try {
            String head = Files.readString(git.resolve("HEAD")).trim();
            if (!head.startsWith("ref: ")) {
                return head;
            }
            String ref = head.substring(5).trim();
            Path loose = git.resolve(ref);
            if (Files.exists(loose)) {
                return Files.readString(loose).trim();
            }
            Path packed = git.resolve("packed-refs");
            if (Files.exists(packed)) {
                for (String line : Files.readAllLines(packed)) {
                    if (line.endsWith(" " + ref)) {
                        return line.substring(0, line.indexOf(' '));
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
