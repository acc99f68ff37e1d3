package org.visualrft.model.qwen2vl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.LoraTargets;
import org.visualrft.model.safetensors.Weights;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import java.util.function.Supplier;
import org.visualrft.model.tensor.Tensor;

/**
 * A Qwen2-VL model: config, weights and the image processor, and the forward pieces (encode images, embed a prompt with
 * its images, run the decoder, project to logits). Numerically the model of transformers'
 * {@code Qwen2VLForConditionalGeneration}. Weights are persisted native tensors owned by this object.
 */
public final class Qwen2VL implements AutoCloseable, StaticDecoding {
    private final Qwen2VLConfig config;
    private final Qwen2VLWeights weights;
    private final ImageProcessor processor;
    private final DType dtype;
    private final Device device;
    private LoraConfig lora;
    private final AtomicLong visionForwards = new AtomicLong();

    public Qwen2VL(Qwen2VLConfig config, Qwen2VLWeights weights, ImageProcessor processor) {
        this.config = config;
        this.weights = weights;
        this.processor = processor;
        this.dtype = weights.embedTokens().dtype();
        this.device = weights.embedTokens().device();
    }

    /**
     * Loads config.json, the safetensors weights (single file or sharded) and preprocessor_config.json (transformers'
     * defaults when absent) from a Hugging Face folder; weights are converted to {@code dtype} (F32 or BF16).
     */
    public static Qwen2VL load(Path dir, DType dtype) {
        return load(dir, dtype, Device.CPU);
    }

    /** As {@link #load(Path, DType)}, with the weights placed on {@code device} (converted there). */
    public static Qwen2VL load(Path dir, DType dtype, Device device) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("Qwen2-VL runs in F32 or BF16, not " + dtype);
        }
        Qwen2VLConfig config = Qwen2VLConfig.load(dir.resolve("config.json"));
        Path pre = dir.resolve("preprocessor_config.json");
        ImageProcessor processor = java.nio.file.Files.isRegularFile(pre) ? ImageProcessor.load(pre) : ImageProcessor.defaults();
        processor.requireGeometry(pre, config.vision().patchSize(), config.vision().spatialMergeSize(),
                config.vision().temporalPatchSize());
        try (Weights w = Weights.open(dir)) {
            // transformers 4.52+ saves under its internal names (model.language_model.…, model.visual.…), the hub
            // files under the original ones (model.…, visual.…), which Qwen2VLWeights and a merged save use
            boolean internal = w.contains("model.language_model.embed_tokens.weight");
            w.checkShapes(name -> Qwen2VLWeights.expectedShape(config, originalName(name)));
            Qwen2VLWeights weights = Qwen2VLWeights.from(config, name -> {
                String stored = internal ? internalName(name) : name;
                return w.contains(stored) ? place(() -> w.read(stored), dtype, device) : null;
            }, name -> new BadInputException(dir, "weights have no tensor '" + (internal ? internalName(name) : name) + "'"));
            return new Qwen2VL(config, weights, processor);
        }
    }

    /** {@code model.layers.0.…} → {@code model.language_model.layers.0.…}, {@code visual.…} → {@code model.visual.…}. */
    static String internalName(String original) {
        return original.startsWith("visual.") ? "model." + original
                : original.startsWith("model.") ? "model.language_model." + original.substring("model.".length()) : original;
    }

    /** The inverse of {@link #internalName}; an original name is returned as it is. */
    static String originalName(String name) {
        return name.startsWith("model.visual.") ? name.substring("model.".length())
                : name.startsWith("model.language_model.") ? "model." + name.substring("model.language_model.".length()) : name;
    }

    private static Tensor place(Supplier<Tensor> read, DType dtype, Device device) {
        try (NativeScope s = NativeScope.open()) { // frees the stored-dtype copy once converted
            return read.get().to(device, dtype).persist();
        }
    }

    public Qwen2VLConfig config() {
        return config;
    }

    public Qwen2VLWeights weights() {
        return weights;
    }

    public ImageProcessor processor() {
        return processor;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Where the weights live; inputs are moved there. */
    @Override
    public Device device() {
        return device;
    }

    @Override
    public StaticDecoding.Shape decoderShape() {
        return new StaticDecoding.Shape(config.numLayers(), config.numHeads(), config.numKvHeads(), config.headDim(),
                config.intermediateSize(), config.vocabSize(), config.rmsNormEps(), config.ropeTheta());
    }

    @Override
    public Tensor embedTokens() {
        return weights.embedTokens();
    }

    @Override
    public Tensor finalNorm() {
        return weights.norm();
    }

    @Override
    public List<Qwen2VLWeights.Layer> decoderLayers() {
        return weights.layers();
    }

    public LoraConfig lora() {
        return lora;
    }

    /**
     * Attaches fresh LoRA adapters to the projections {@code lora} targets: the decoder layers', and with
     * {@link LoraConfig#visionTower()} the vision tower's too ({@link LoraTargets}).
     */
    public void attachLora(LoraConfig lora, Generator gen) {
        if (this.lora != null) {
            throw new IllegalStateException("LoRA adapters are already attached");
        }
        for (Linear l : LoraTargets.select(lora, weights.linears(config), "qwen2_vl",
                weights.named(config).keySet()).values()) {
            l.attachAdapter(lora.rank(), lora.scale(), gen);
        }
        this.lora = lora;
    }

    /** The adapter tensors, named as PEFT names them (…{@code .lora_A.weight}, …{@code .lora_B.weight}). */
    public List<NamedTensor> adapterTensors() {
        List<NamedTensor> out = new ArrayList<>();
        weights.linears(config).forEach((name, lin) -> {
            if (lin.hasAdapter()) {
                out.add(new NamedTensor("base_model.model." + name + ".lora_A.weight", lin.loraA()));
                out.add(new NamedTensor("base_model.model." + name + ".lora_B.weight", lin.loraB()));
            }
        });
        return out;
    }

    /** Whether a layer of the vision tower has an adapter: its encodings then differ from the base tower's. */
    public boolean hasVisionAdapters() {
        return LoraTargets.adaptsVision(weights.linears(config));
    }

    /** How many times this model's vision tower has run ({@link #encodeImages} calls): what a GRPO step's image reuse saves. */
    public long visionForwards() {
        return visionForwards.get();
    }

    public record NamedTensor(String name, Tensor tensor) {
    }

    /**
     * Image embeddings {@code [tokens, hidden]} for the images' patches, concatenated in order, the vision tower's
     * adapters (if any) applied. Frozen: no autograd.
     */
    public Tensor encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace) {
        return encodeImages(images, trace, false);
    }

    /**
     * As {@link #encodeImages(List, List)}; with {@code trains} under the caller's grad mode, so that a loss's
     * gradients reach the vision tower's weights (full fine-tuning with the tower trained) or its adapters.
     */
    public Tensor encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace, boolean trains) {
        return encodeImages(images, trace, trains, true);
    }

    /**
     * As {@link #encodeImages(List, List, boolean)}, with the vision tower's LoRA adapters applied only when
     * {@code adapters} (false: the base tower, GRPO's reference).
     */
    public Tensor encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace, boolean trains, boolean adapters) {
        visionForwards.incrementAndGet();
        PackedPatches packed = PackedPatches.of(images);
        try (Tensor.GradMode g = trains ? null : Tensor.noGrad()) {
            return VisionTower.forward(weights.vision(), config.vision(), packed.pixels().on(device), packed.grids(), trace,
                    adapters);
        }
    }

    /**
     * {@link #encodeImages(List, List, boolean, boolean)} of a tower that trains (or whose adapters do, when
     * {@code adapters}), with activation checkpointing of its blocks
     * (under the caller's grad mode, which is on): the embeddings, and the rest of the backward, which runs the
     * blocks again once the gradient reached the embeddings.
     */
    public LayerCheckpoints.Forward encodeImagesCheckpointed(List<ImageProcessor.Patches> images, boolean adapters) {
        visionForwards.incrementAndGet();
        PackedPatches packed = PackedPatches.of(images);
        return VisionTower.forwardCheckpointed(weights.vision(), config.vision(), packed.pixels().on(device),
                packed.grids(), adapters);
    }

    /**
     * Token embeddings {@code [batch, seq, hidden]}. In each sequence the first {@code imageEmbeds.size(0)} image
     * tokens (the prompt's) take the image embeddings in order (HF's masked_scatter); image tokens beyond those, e.g.
     * ones a sample generated, keep their plain embedding as they do in HF's decoding steps.
     */
    public Tensor embed(int[][] ids, Tensor imageEmbeds) {
        int b = ids.length;
        int s = ids[0].length;
        long n = imageEmbeds == null ? 0 : imageEmbeds.size(0);
        long[] flat = new long[b * s];
        List<Long> imagePositions = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            int seen = 0;
            for (int j = 0; j < s; j++) {
                flat[i * s + j] = ids[i][j];
                if (ids[i][j] == config.imageTokenId() && seen < n) {
                    imagePositions.add((long) i * s + j);
                    seen++;
                }
            }
            if (seen != n) {
                throw new IllegalArgumentException("sequence " + i + " has " + seen + " image tokens for " + n + " image embeddings");
            }
        }
        Tensor x = Tensor.embedding(weights.embedTokens(), Tensor.fromLongs(flat, (long) b * s).on(device));
        if (n > 0) {
            long[] pos = imagePositions.stream().mapToLong(Long::longValue).toArray();
            Tensor src = b == 1 ? imageEmbeds : imageEmbeds.repeat(b, 1);
            x = x.indexCopy_(0, Tensor.fromLongs(pos, pos.length).on(device), src.to(x.dtype()));
        }
        return x.view(b, s, config.hiddenSize());
    }

    /**
     * Runs the decoder on {@code x} ({@code [batch, seq, hidden]}) at M-RoPE ids {@code positions[b] = [3][seq]}.
     * With a cache, the new keys and values are appended to it.
     */
    public Tensor hidden(Tensor x, long[][][] positions, KvCache cache, boolean adapters, List<Tensor> trace) {
        Tensor[] rope = RotaryTables.mrope(positions, config.mropeSection(), config.ropeTheta(), config.headDim(), dtype, device);
        return LanguageModel.forward(weights, config, x, rope, cache, adapters, trace);
    }

    /**
     * {@link #hidden} of a whole sequence without a cache, for a training forward with activation checkpointing: the
     * layers keep no activations and run again in the returned backward, which the caller runs after its loss's.
     */
    public LayerCheckpoints.Forward hiddenCheckpointed(Tensor x, long[][][] positions, boolean adapters) {
        Tensor[] rope = RotaryTables.mrope(positions, config.mropeSection(), config.ropeTheta(), config.headDim(), dtype, device);
        return LayerCheckpoints.run(x, weights.layers().size(),
                        (i, h) -> LanguageModel.layer(weights, config, i, h, rope, null, adapters))
                .then(h -> LanguageModel.norm(h, weights.norm(), config.rmsNormEps()));
    }

    /** Logits over the vocabulary (in the weights' dtype). */
    @Override
    public Tensor logits(Tensor hidden) {
        return Tensor.linear(hidden, weights.lmHead(), null);
    }

    /** All trainable tensors: the LoRA adapters (empty without LoRA). */
    public List<Tensor> trainable() {
        List<Tensor> out = new ArrayList<>();
        for (NamedTensor n : adapterTensors()) {
            out.add(n.tensor());
        }
        return out;
    }

    @Override
    public void close() {
        weights.owned().forEach(Tensor::close);
    }
}
