package org.visualrft.model.qwenvl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.visualrft.core.BadInputException;
import org.visualrft.model.lora.Linear;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.LoraTargets;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.LanguageModel;
import org.visualrft.model.qwen2vl.PackedPatches;
import org.visualrft.model.qwen2vl.RopeIndex;
import org.visualrft.model.qwen2vl.StaticDecoding;
import org.visualrft.model.qwen2vl.RotaryTables;
import org.visualrft.model.safetensors.Weights;
import org.visualrft.model.sampling.KvCache;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * A Qwen2.5-VL or Qwen3-VL model: config, weights, image processor, and the forward pieces (encode images, embed a
 * prompt with its images, run the decoder, project to logits). Numerically transformers'
 * {@code Qwen2_5_VLForConditionalGeneration} / {@code Qwen3VLForConditionalGeneration}. Weights are persisted native
 * tensors owned by this object.
 */
public final class QwenVl implements AutoCloseable, StaticDecoding {
    private final QwenVlConfig config;
    private final QwenVlWeights weights;
    private final ImageProcessor processor;
    private final int[] ropeAxes;
    private LoraConfig lora;
    private final AtomicLong visionForwards = new AtomicLong();

    public QwenVl(QwenVlConfig config, QwenVlWeights weights, ImageProcessor processor) {
        this.config = config;
        this.weights = weights;
        this.processor = processor;
        this.ropeAxes = ropeAxes(config);
    }

    /**
     * Loads config.json, the safetensors weights (single file or sharded) and preprocessor_config.json (the family's
     * defaults when absent); weights are converted to {@code dtype}.
     */
    public static QwenVl load(Path dir, DType dtype) {
        return load(dir, dtype, Device.CPU);
    }

    /** As {@link #load(Path, DType)}, with the weights placed on {@code device} (converted there). */
    public static QwenVl load(Path dir, DType dtype, Device device) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("Qwen2.5-VL/Qwen3-VL run in F32 or BF16, not " + dtype);
        }
        QwenVlConfig config = QwenVlConfig.load(dir.resolve("config.json"));
        Path pre = dir.resolve("preprocessor_config.json");
        ImageProcessor processor = Files.isRegularFile(pre) ? ImageProcessor.load(pre) : defaultProcessor(config);
        processor.requireGeometry(pre, config.vision().patchSize(), config.vision().spatialMergeSize(),
                config.vision().temporalPatchSize());
        try (Weights w = Weights.open(dir)) {
            w.checkShapes(name -> QwenVlWeights.expectedShape(config, name));
            QwenVlWeights weights = QwenVlWeights.from(config,
                    name -> w.contains(name) ? place(() -> w.read(name), dtype, device) : null,
                    name -> new BadInputException(dir, "weights have no tensor '" + name + "'"));
            return new QwenVl(config, weights, processor);
        }
    }

    /**
     * transformers' processor defaults: Qwen2.5-VL's are Qwen2-VL's; Qwen3-VL's take 16-pixel patches and mean/std 0.5,
     * and the fast (torchvision) processor its released files name.
     */
    static ImageProcessor defaultProcessor(QwenVlConfig c) {
        if (c.family() == QwenVlConfig.Family.QWEN2_5_VL) {
            return ImageProcessor.defaults();
        }
        float[] half = {0.5f, 0.5f, 0.5f};
        return new ImageProcessor(65536, 16777216, c.vision().patchSize(), c.vision().temporalPatchSize(),
                c.vision().spatialMergeSize(), 1.0 / 255, half, half, ImageProcessor.Backend.TORCHVISION);
    }

    private static Tensor place(Supplier<Tensor> read, DType dtype, Device device) {
        try (NativeScope s = NativeScope.open()) { // frees the stored copy once converted and placed
            return read.get().to(device, dtype).persist();
        }
    }

    /** For each rotary frequency, the M-RoPE axis (0 t, 1 h, 2 w) it takes its angle from. */
    static int[] ropeAxes(QwenVlConfig c) {
        int[] sec = c.text().mropeSection();
        int[] axis = new int[c.text().headDim() / 2];
        if (c.text().mropeInterleaved()) {
            // t h w t h w … while each axis has frequencies left, then t to the end
            for (int j = 0; j < axis.length; j++) {
                axis[j] = j % 3 == 1 && j < 3 * sec[1] ? 1 : j % 3 == 2 && j < 3 * sec[2] ? 2 : 0;
            }
        } else {
            for (int s = 0, j = 0; s < 3; s++) {
                for (int k = 0; k < sec[s]; k++) {
                    axis[j++] = s;
                }
            }
        }
        return axis;
    }

    public QwenVlConfig config() {
        return config;
    }

    public QwenVlWeights weights() {
        return weights;
    }

    public ImageProcessor processor() {
        return processor;
    }

    @Override
    public DType dtype() {
        return weights.embedTokens().dtype();
    }

    /** Where the weights live; inputs (pixels, ids, rotary tables, masks) are placed beside them. */
    @Override
    public Device device() {
        return weights.embedTokens().device();
    }

    public LoraConfig lora() {
        return lora;
    }

    /** The same weights with another image processor (other pixel limits). */
    public QwenVl withProcessor(ImageProcessor p) {
        QwenVl m = new QwenVl(config, weights, p);
        m.lora = lora;
        return m;
    }

    /**
     * Attaches fresh LoRA adapters to the projections {@code lora} targets: the decoder layers', and with
     * {@link LoraConfig#visionTower()} the vision tower's too.
     */
    public void attachLora(LoraConfig lora, Generator gen) {
        if (this.lora != null) {
            throw new IllegalStateException("LoRA adapters are already attached");
        }
        for (Linear l : weights.loraTargets(lora, config.family().modelType).values()) {
            l.attachAdapter(lora.rank(), lora.scale(), gen);
        }
        this.lora = lora;
    }

    /** The adapter tensors, named as PEFT names them (…{@code .lora_A.weight}, …{@code .lora_B.weight}). */
    public List<Map.Entry<String, Tensor>> adapterTensors() {
        List<Map.Entry<String, Tensor>> out = new ArrayList<>();
        weights.linears().forEach((name, l) -> {
            if (l.hasAdapter()) {
                out.add(Map.entry("base_model.model." + name + ".lora_A.weight", l.loraA()));
                out.add(Map.entry("base_model.model." + name + ".lora_B.weight", l.loraB()));
            }
        });
        return out;
    }

    /** Whether a layer of the vision tower has an adapter: its encodings then differ from the base tower's. */
    public boolean hasVisionAdapters() {
        return LoraTargets.adaptsVision(weights.linears());
    }

    /**
     * Encoded images: the merged embeddings {@code [tokens, hidden]} and the DeepStack features (Qwen3-VL; else empty),
     * and with activation checkpointing of a tower that trains the rest of its backward, which runs its blocks again
     * once the gradient reached the embeddings and features (else null).
     */
    public record Images(Tensor embeds, List<Tensor> deepstack, Runnable backward) {
        public Images(Tensor embeds, List<Tensor> deepstack) {
            this(embeds, deepstack, null);
        }

        public long tokens() {
            return embeds.size(0);
        }
    }

    /**
     * Encodes the images' patches, concatenated in order, the vision tower's adapters (if any) applied. Frozen: no
     * autograd. {@code trace} receives the last block's output.
     */
    public Images encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace) {
        return encodeImages(images, trace, false);
    }

    /**
     * As {@link #encodeImages(List, List)}; with {@code trains} under the caller's grad mode, so that a loss's
     * gradients reach the vision tower's weights (full fine-tuning with the tower trained) or its adapters.
     */
    public Images encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace, boolean trains) {
        return encodeImages(images, trace, trains, true);
    }

    /**
     * As {@link #encodeImages(List, List, boolean)}, with the vision tower's LoRA adapters applied only when
     * {@code adapters} (false: the base tower, GRPO's reference).
     */
    public Images encodeImages(List<ImageProcessor.Patches> images, List<Tensor> trace, boolean trains, boolean adapters) {
        try (Tensor.GradMode g = trains ? null : Tensor.noGrad()) {
            return encode(images, trace, false, adapters);
        }
    }

    /**
     * {@link #encodeImages(List, List, boolean, boolean)} of a tower that trains (or whose adapters do, when
     * {@code adapters}), with activation checkpointing of its blocks (under the caller's grad mode, which is on):
     * {@link Images#backward} runs them again after the gradient reached the embeddings and DeepStack features.
     */
    public Images encodeImagesCheckpointed(List<ImageProcessor.Patches> images, boolean adapters) {
        return encode(images, null, true, adapters);
    }

    private Images encode(List<ImageProcessor.Patches> images, List<Tensor> trace, boolean checkpointed,
            boolean adapters) {
        visionForwards.incrementAndGet();
        PackedPatches packed = PackedPatches.of(images);
        Tensor pixels = packed.pixels().on(device());
        return config.family() == QwenVlConfig.Family.QWEN2_5_VL
                ? Qwen25VisionTower.forward(weights.vision(), config.vision(), pixels, packed.grids(), trace, checkpointed,
                        adapters)
                : Qwen3VisionTower.forward(weights.vision(), config.vision(), pixels, packed.grids(), trace, checkpointed,
                        adapters);
    }

    /** How many times this model's vision tower has run ({@link #encodeImages} calls): what a GRPO step's image reuse saves. */
    public long visionForwards() {
        return visionForwards.get();
    }

    static int[] grid(ImageProcessor.Patches p) {
        return new int[] {p.gridT(), p.gridH(), p.gridW()};
    }

    /** Token embeddings and where the image embeddings went (flat {@code b·seq + i} positions; null without images). */
    public record Embedded(Tensor x, Tensor imagePositions, Images images) {
    }

    /**
     * Token embeddings {@code [batch, seq, hidden]}. In each sequence the first {@code images.tokens()} image tokens
     * take the image embeddings in order (HF's masked_scatter); image tokens beyond those, e.g. ones a sample
     * generated, keep their plain embedding as they do in HF's decoding steps.
     */
    public Embedded embed(int[][] ids, Images images) {
        int b = ids.length;
        int s = ids[0].length;
        long n = images == null ? 0 : images.tokens();
        long[] flat = new long[b * s];
        long[] pos = new long[(int) (b * n)];
        int k = 0;
        for (int i = 0; i < b; i++) {
            int seen = 0;
            for (int j = 0; j < s; j++) {
                flat[i * s + j] = ids[i][j];
                if (ids[i][j] == config.imageTokenId() && seen < n) {
                    pos[k++] = (long) i * s + j;
                    seen++;
                }
            }
            if (seen != n) {
                throw new IllegalArgumentException("sequence " + i + " has " + seen + " image tokens for " + n + " image embeddings");
            }
        }
        Tensor table = weights.embedTokens();
        Tensor x = Tensor.embedding(table, Tensor.fromLongs(flat, (long) b * s).on(table.device()));
        Tensor where = null;
        if (n > 0) {
            where = Tensor.fromLongs(pos, pos.length).on(table.device());
            Tensor src = b == 1 ? images.embeds() : images.embeds().repeat(b, 1);
            x = x.indexCopy_(0, where, src.to(x.dtype()));
        }
        return new Embedded(x.view(b, s, config.text().hiddenSize()), where, images);
    }

    /** M-RoPE ids of a prompt and its rope delta (the same placement rule in all three Qwen-VL families). */
    public RopeIndex.Positions positions(int[] tokens, List<int[]> grids) {
        return RopeIndex.compute(tokens, grids, config.vision().spatialMergeSize(), config.imageTokenId(), config.visionStartTokenId());
    }

    /**
     * Runs the decoder at M-RoPE ids {@code positions[b] = [3][seq]}. With a cache, the new keys and values are
     * appended to it. DeepStack features are added where the embedding placed the images.
     */
    public Tensor hidden(Embedded e, long[][][] positions, KvCache cache, boolean adapters, List<Tensor> trace) {
        Tensor x = e.x();
        Tensor[] rope = RotaryTables.mropeByAxis(positions, ropeAxes, config.text().ropeTheta(), config.headDim(), x.dtype(),
                x.device());
        return hidden(e, rope, cache, adapters, trace);
    }

    /**
     * One prompt alone (batch 1) through the decoder into {@code cache}: its images placed, at its M-RoPE ids
     * {@code pos}; the final-normed hidden states {@code [1, P, hidden]}. Every decode loop starts with it.
     */
    public Tensor prefill(int[] ids, RopeIndex.Positions pos, Images images, KvCache cache, boolean adapters) {
        return hidden(embed(new int[][] {ids}, images), new long[][][] {pos.ids()}, cache, adapters, null);
    }

    /**
     * {@link #hidden(Embedded, long[][][], KvCache, boolean, List)} of whole sequences without a cache, for a training
     * forward with activation checkpointing: the layers (DeepStack's additions included) keep no activations and run
     * again in the returned backward, which the caller runs after its loss's.
     */
    public LayerCheckpoints.Forward hiddenCheckpointed(Embedded e, long[][][] positions, boolean adapters) {
        Tensor x = e.x();
        Tensor[] rope = RotaryTables.mropeByAxis(positions, ropeAxes, config.text().ropeTheta(), config.headDim(), x.dtype(),
                x.device());
        TextModel.Deepstack features = deepstack(e);
        List<Tensor> sides = List.of();
        List<Tensor> leaves = List.of();
        if (features != null && Tensor.gradEnabled() && features.features().stream().anyMatch(Tensor::requiresGrad)) {
            // a vision tower that trains: its DeepStack features reach the checkpointed layers as leaves, whose
            // gradients go back into the tower together with the input's (one walk of the tower's graph)
            sides = features.features();
            leaves = LayerCheckpoints.leaves(sides);
            features = new TextModel.Deepstack(features.positions(), leaves);
        }
        TextModel.Deepstack ds = features;
        QwenVlConfig.Text c = config.text();
        return LayerCheckpoints.run(x, weights.layers().size(),
                        (i, h) -> TextModel.addDeepstack(c, i, TextModel.layer(weights, c, i, h, rope, null, null, adapters), ds),
                        sides, leaves)
                .then(h -> LanguageModel.norm(h, weights.norm(), c.rmsNormEps()));
    }

    /**
     * cos and sin {@code [1, 1, count, headDim]} of the decode positions {@code first .. first+count-1} (one id on all
     * three M-RoPE axes, as a generated token has), in the model's dtype on its device: made once per group, so a decode
     * step takes its slice without a host-to-device copy.
     */
    public Tensor[] decodeRope(long first, int count) {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = first + i;
        }
        return RotaryTables.mropeByAxis(new long[][][] {{ids, ids, ids}}, ropeAxes, config.text().ropeTheta(),
                config.headDim(), dtype(), device());
    }

    /** As {@link #hidden(Embedded, long[][][], KvCache, boolean, List)} with the rotary tables (cos, sin) given. */
    public Tensor hidden(Embedded e, Tensor[] rope, KvCache cache, boolean adapters, List<Tensor> trace) {
        return hidden(e, rope, cache, null, adapters, trace);
    }

    /**
     * One new token per row (no images) into a cache several prompts' groups share: each row attends only to the
     * cache columns {@code visible} marks, {@code [rows, 1, 1, columns]} (see {@link QwenVlGroups}).
     */
    Tensor hiddenStep(Embedded e, Tensor[] rope, KvCache cache, Tensor visible, boolean adapters) {
        return hidden(e, rope, cache, visible, adapters, null);
    }

    private Tensor hidden(Embedded e, Tensor[] rope, KvCache cache, Tensor visible, boolean adapters, List<Tensor> trace) {
        return TextModel.forward(weights, config.text(), e.x(), rope, cache, visible, adapters, deepstack(e), trace);
    }

    /** The DeepStack features of the images {@code e} placed, one per batch row; null without any. */
    private static TextModel.Deepstack deepstack(Embedded e) {
        if (e.imagePositions() == null || e.images().deepstack().isEmpty()) {
            return null;
        }
        List<Tensor> feats = new ArrayList<>();
        long b = e.x().size(0);
        for (Tensor f : e.images().deepstack()) {
            feats.add(b == 1 ? f : f.repeat(b, 1));
        }
        return new TextModel.Deepstack(e.imagePositions(), feats);
    }

    @Override
    public StaticDecoding.Shape decoderShape() {
        QwenVlConfig.Text t = config.text();
        return new StaticDecoding.Shape(t.numLayers(), t.numHeads(), t.numKvHeads(), t.headDim(), t.intermediateSize(),
                t.vocabSize(), t.rmsNormEps(), t.ropeTheta());
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
    public List<QwenVlWeights.Layer> decoderLayers() {
        return weights.layers();
    }

    /** Logits over the vocabulary (in the weights' dtype). */
    @Override
    public Tensor logits(Tensor hidden) {
        return Tensor.linear(hidden, weights.lmHead(), null);
    }

    @Override
    public void close() {
        weights.owned().forEach(Tensor::close);
    }
}
