package org.visualrft.model.qwenvl;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.visualrft.core.BadInputException;
import org.visualrft.core.geometry.CoordinateFrame;
import org.visualrft.core.geometry.QwenResize;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.policy.GenerationConfig;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.HfModelFolder;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.TrainableWeights;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.qwen2vl.ChatTemplate;
import org.visualrft.model.qwen2vl.ImageProcessor;
import org.visualrft.model.qwen2vl.Qwen2VLPolicy;
import org.visualrft.model.qwen2vl.QwenTokenizerCheck;
import org.visualrft.model.qwen2vl.StaticDecoder;
import org.visualrft.model.qwen2vl.TeacherForcedBatch;
import org.visualrft.model.qwenvl.QwenVlGroups.Input;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.DeviceDecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.LayerCheckpoints;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.chat.FolderChatTemplate;
import org.visualrft.model.chat.PromptTurn;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * Qwen2.5-VL or Qwen3-VL behind the {@link Policy} interface, so the GRPO and SFT trainers drive it like the other
 * families. Training is LoRA on the language model (with {@link LoraConfig#visionTower()} on the vision tower's layers
 * too, every base weight frozen), or full fine-tuning of the language
 * model, with the vision tower too when {@link Options#trainVision()}; the GRPO reference with LoRA is this model with
 * the adapters off.
 */
public final class QwenVlPolicy implements Policy {
    /** Files of a Hugging Face folder that travel with a saved model. */
    private static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "chat_template.json",
            "chat_template.jinja", "preprocessor_config.json", "video_preprocessor_config.json", "generation_config.json",
            "vocab.json", "merges.txt", "special_tokens_map.json", "added_tokens.json");

    /**
     * How to open a folder: compute dtype, optional LoRA, the seed of fresh adapters, optional pixel limits, the
     * device the weights go to, and whether full fine-tuning trains the vision tower too ({@code trainVision}).
     */
    public record Options(DType dtype, LoraConfig lora, long seed, Integer minPixels, Integer maxPixels, Device device,
            boolean trainVision) {
        public Options {
            TrainableWeights.visionWithoutAdapters(trainVision, lora);
        }

        public Options(DType dtype, LoraConfig lora, long seed, Integer minPixels, Integer maxPixels) {
            this(dtype, lora, seed, minPixels, maxPixels, Device.CPU);
        }

        public Options(DType dtype, LoraConfig lora, long seed, Integer minPixels, Integer maxPixels, Device device) {
            this(dtype, lora, seed, minPixels, maxPixels, device, false);
        }

        /** The same options on {@code device}. */
        public Options on(Device device) {
            return new Options(dtype, lora, seed, minPixels, maxPixels, device, trainVision);
        }

        /** The same system properties as Qwen2-VL's ({@code vrft.dtype}, {@code vrft.lora.*}, {@code vrft.max_pixels}). */
        public static Options fromSystemProperties(QwenVlConfig c) {
            Qwen2VLPolicy.Options o = Qwen2VLPolicy.Options.fromSystemProperties(c.torchDtype());
            Integer mp = Qwen2VLPolicy.Options.maxPixelsProperty("vrft.max_pixels");
            return new Options(o.dtype(), o.lora(), o.seed(), o.minPixels(), mp == null ? o.maxPixels() : mp);
        }

        /**
         * What a training config asks for (device, dtype, LoRA, pixel limits); {@code vrft.max_pixels} applies when
         * the options set no max_pixels.
         */
        public static Options of(QwenVlConfig c, LoadOptions options) {
            Qwen2VLPolicy.Options o = Qwen2VLPolicy.Options.of(c.torchDtype(), options);
            Integer mp = Qwen2VLPolicy.Options.maxPixelsProperty("vrft.max_pixels");
            Integer max = options.maxPixels() != null || mp == null ? o.maxPixels() : mp;
            return new Options(o.dtype(), o.lora(), o.seed(), o.minPixels(), max, o.device(), o.trainVision());
        }
    }

    private final QwenVl model;
    private final Tokenizer tokenizer;
    private final Path source;
    private final int[] eos;
    private final boolean frozen;
    private boolean checkpointing; // activation checkpointing of the training forward
    private final boolean ownsModel;
    /** Full fine-tuning trains the vision tower: its encodings carry gradients and are never shared. */
    private final boolean trainVision;
    /** The vision tower has LoRA adapters and this is not the reference: as a trained tower, its encodings are its own. */
    private final boolean visionAdapters;
    /** Who encoded an image in a {@link VisionCache}: this policy and its frozen copies (same frozen vision weights). */
    private final Object visionTower;
    /** The prompt around the question: the folder's chat template's, or the family's built-in one. */
    private final PromptTurn turn;

    private QwenVlPolicy(QwenVl model, Tokenizer tokenizer, Path source, int[] eos, boolean frozen, boolean ownsModel,
            Object visionTower, boolean trainVision, PromptTurn turn) {
        this.model = model;
        this.turn = turn;
        this.trainVision = trainVision && !frozen;
        this.visionAdapters = !frozen && model.hasVisionAdapters();
        this.visionTower = visionTower;
        this.tokenizer = tokenizer;
        this.source = source;
        this.eos = eos;
        this.frozen = frozen;
        this.ownsModel = ownsModel;
    }

    /** Opens a Hugging Face folder (config.json, safetensors, tokenizer.json, preprocessor_config.json). */
    public static QwenVlPolicy load(Path dir, Options opts) {
        Path tok = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new BadInputException(tok, "no tokenizer.json in the model folder");
        }
        // the small files first: a fault in them must not leave gigabytes of loaded weights behind
        QwenVlConfig config = QwenVlConfig.load(dir.resolve("config.json"));
        PromptTurn turn = FolderChatTemplate.turn(dir, builtinTurn(config.family()));
        int[] stops = stopTokens(dir, config.eosTokenIds());
        Tokenizer tokenizer = Tokenizer.load(tok);
        QwenVl model = null;
        try {
            QwenTokenizerCheck.check(tokenizer, tok, config.text().vocabSize(), config.imageTokenId(),
                    config.visionStartTokenId(), config.visionEndTokenId());
            model = QwenVl.load(dir, opts.dtype(), opts.device());
            if (opts.minPixels() != null || opts.maxPixels() != null) {
                ImageProcessor p = model.processor();
                model = model.withProcessor(p.withPixels(opts.minPixels() == null ? p.minPixels() : opts.minPixels(),
                        opts.maxPixels() == null ? p.maxPixels() : opts.maxPixels()));
            }
            if (opts.lora() != null) {
                try (Generator g = Generator.seeded(opts.seed())) {
                    model.attachLora(opts.lora(), g);
                }
            }
            return new QwenVlPolicy(model, tokenizer, dir, stops, false, true, new Object(), opts.trainVision(), turn);
        } catch (RuntimeException e) {
            tokenizer.close();
            if (model != null) {
                model.close();
            }
            throw e;
        }
    }

    /** A policy around a model in memory; {@code tokenizer} may be null for token-level calls only. */
    public static QwenVlPolicy of(QwenVl model, Tokenizer tokenizer, Path source, int[] eos) {
        return new QwenVlPolicy(model, tokenizer, source, eos.clone(), false, true, new Object(), false,
                builtinTurn(model.config().family()));
    }

    /** The stop tokens: config.json's eos ids and generation_config.json's (a list in the hub files). */
    static int[] stopTokens(Path dir, int[] configEos) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : configEos) {
            ids.add(e);
        }
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            JsonNode e = GenerationConfig.json(gen).get("eos_token_id");
            for (JsonNode n : e == null || e.isNull() ? List.<JsonNode>of() : e.isArray() ? e : List.of(e)) {
                if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < 0) {
                    throw new BadInputException(gen, "eos_token_id must be a token id or a list of them, got " + e);
                }
                ids.add(n.intValue());
            }
        }
        if (ids.isEmpty()) {
            throw new BadInputException(dir.resolve("config.json"), "no eos_token_id in config.json or generation_config.json");
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    public QwenVl model() {
        return model;
    }

    @Override
    public String modelType() {
        return model.config().family().modelType;
    }

    @Override
    public Device device() {
        return model.device();
    }

    /**
     * The frame boxes are written in: Qwen2.5-VL grounds in absolute pixels of the resized image, Qwen3-VL in 0–1000
     * coordinates relative to the image.
     */
    @Override
    public CoordinateFrame boxFrame() {
        return model.config().family() == QwenVlConfig.Family.QWEN2_5_VL ? CoordinateFrame.RESIZED_PIXELS : CoordinateFrame.NORMALIZED_1000;
    }

    @Override
    public QwenResize resizeRule() {
        ImageProcessor p = model.processor();
        return new QwenResize(p.patchSize() * p.mergeSize(), p.minPixels(), p.maxPixels());
    }

    /** The family's own chat template's turn: Qwen2.5-VL's opens with the default system turn, Qwen3-VL's does not. */
    static PromptTurn builtinTurn(QwenVlConfig.Family family) {
        return family == QwenVlConfig.Family.QWEN2_5_VL ? ChatTemplate.WITH_DEFAULT_SYSTEM : ChatTemplate.WITHOUT_SYSTEM;
    }

    /**
     * The prompt text one user turn of an image and a question renders to with {@code add_generation_prompt=True}:
     * the folder's chat template's turn, else the family's built-in one ({@link FolderChatTemplate}).
     */
    public String chatPrompt(String text) {
        return turn.render(text);
    }

    /**
     * The chat prompt's ids after the system message {@code system} (null: none) ({@link PromptTurn#encode}: neither
     * the system text nor the question places control tokens).
     */
    int[] encodeChatPrompt(String system, String text) {
        if (tokenizer == null) {
            throw new IllegalStateException("this policy has no tokenizer");
        }
        return turn.encode(tokenizer, system, text);
    }

    /** The prompt's token ids (image pads expanded) and the image's processed patches. */
    public record Encoded(int[] ids, ImageProcessor.Patches patches) {
        List<int[]> grids() {
            return List.of(QwenVl.grid(patches));
        }
    }

    public Encoded encodePrompt(Prompt prompt) {
        ImageProcessor.Patches patches = model.processor().process(Qwen2VLPolicy.toRgb(prompt.image()));
        return new Encoded(promptIds(prompt, patches.tokenCount(model.processor().mergeSize())), patches);
    }

    private int[] promptIds(Prompt prompt, int imageTokens) {
        return ChatTemplate.expandImagePads(encodeChatPrompt(prompt.system(), prompt.text()),
                model.config().imageTokenId(), imageTokens);
    }

    /**
     * The prompt's ids and encoded image (embeddings and DeepStack features); with {@code images}, the encoding comes
     * from there (made on first use). A frozen vision tower runs without autograd ({@link QwenVl#encodeImages}), so
     * reuse gives the very same tensor values as encoding again. A vision tower that trains encodes each time, under
     * the caller's grad mode, so that the loss's gradients reach it: {@code images} is not used. So does a tower with
     * LoRA adapters (the reference, its base, still shares the cache). With activation checkpointing its blocks run
     * again in the backward ({@link QwenVl.Images#backward}).
     */
    private Input input(Prompt prompt, VisionCache images) {
        if (images == null || trainVision || visionAdapters) {
            Encoded e = encodePrompt(prompt);
            boolean trains = trainVision || visionAdapters;
            return new Input(e.ids(), e.grids(), trains && checkpointing && Tensor.gradEnabled()
                    ? model.encodeImagesCheckpointed(List.of(e.patches()), !frozen)
                    : model.encodeImages(List.of(e.patches()), null, trains, !frozen));
        }
        VisionCache.Entry v = images.get(prompt.image(), visionTower, () -> {
            ImageProcessor.Patches p = model.processor().process(Qwen2VLPolicy.toRgb(prompt.image()));
            QwenVl.Images enc = model.encodeImages(List.of(p), null, false, false);
            List<Tensor> tensors = new ArrayList<>(List.of(enc.embeds()));
            tensors.addAll(enc.deepstack());
            return new VisionCache.Entry(QwenVl.grid(p), tensors);
        });
        List<Tensor> t = v.tensors();
        return new Input(promptIds(prompt, v.tokens(model.processor().mergeSize())), List.of(v.grid()),
                new QwenVl.Images(t.get(0), t.subList(1, t.size())));
    }

    /** The config's max_position_embeddings: prompt and completion together stay within the trained positions. */
    @Override
    public int contextLength() {
        return model.config().text().maxPositionEmbeddings();
    }

    /**
     * The prompt's ids with the image's tokens counted, from the image's size alone (no pixels processed); 0 without a
     * tokenizer.
     */
    @Override
    public String promptTemplate() {
        return turn.source();
    }

    @Override
    public int promptLength(Prompt prompt) {
        if (tokenizer == null) {
            return 0;
        }
        return encodeChatPrompt(prompt.system(), prompt.text()).length - 1 + Qwen2VLPolicy.imageTokens(model.processor(), prompt.image());
    }

    @Override
    public List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng) {
        return generate(prompt, g, params, rng, null);
    }

    @Override
    public List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng, VisionCache images) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            Input in = input(prompt, images);
            params = params.within(contextLength(), in.ids().length);
            // on a GPU the group decodes on the device (no host round trip per token), by default in the static-cache
            // engine (a CUDA graph per step); on the CPU the Java sampler keeps earlier runs' exact samples
            List<DecodeLoop.Sample> samples;
            if (!DeviceDecodeLoop.wanted(model.device())) {
                samples = QwenVlGeneration.sample(model, in.ids(), in.grids(), in.images(), g, params, eos, rng, null, !frozen);
            } else if (StaticDecoder.wanted()) {
                samples = QwenVlGroups.sampleStatic(model, List.of(in), g, params,
                        eos, Collections.singletonList(rng), !frozen, StaticDecoder.useGraph()).get(0);
            } else {
                samples = QwenVlGeneration.sampleOnDevice(model, in.ids(), in.grids(), in.images(), g, params, eos, rng, !frozen);
            }
            return rollouts(samples);
        }
    }

    /**
     * Several prompts' groups decoded together ({@link QwenVlGroups}: each prompt prefilled alone into its rows of one
     * cache, one batched step for all rows), prompt i drawing only from {@code rngs.get(i)} in the order
     * {@link #generate} draws: each group is that prompt's own {@code generate} up to float rounding. One prompt is
     * {@code generate} itself.
     */
    @Override
    public List<List<Rollout>> generateGroups(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs, VisionCache images) {
        if (rngs.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + rngs.size() + " generators");
        }
        if (prompts.size() == 1) {
            return List.of(generate(prompts.get(0), g, params, rngs.get(0), images));
        }
        if (g < 1) {
            throw new IllegalArgumentException("G must be >= 1, got " + g);
        }
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<Input> in = new ArrayList<>(prompts.size());
            for (Prompt p : prompts) {
                in.add(input(p, images));
            }
            // the longest prompt bounds every row's completion: they decode as one batch
            params = params.within(contextLength(), in.stream().mapToInt(x -> x.ids().length).max().orElse(0));
            List<List<DecodeLoop.Sample>> groups = !DeviceDecodeLoop.wanted(model.device())
                    ? QwenVlGroups.sample(model, in, g, params, eos, rngs, !frozen)
                    : StaticDecoder.wanted()
                    ? QwenVlGroups.sampleStatic(model, in, g, params, eos, rngs, !frozen, StaticDecoder.useGraph())
                    : QwenVlGroups.sampleOnDevice(model, in, g, params, eos, rngs, !frozen);
            List<List<Rollout>> out = new ArrayList<>(groups.size());
            for (List<DecodeLoop.Sample> group : groups) {
                out.add(rollouts(group));
            }
            return out;
        }
    }

    private List<Rollout> rollouts(List<DecodeLoop.Sample> samples) {
        List<Rollout> out = new ArrayList<>(samples.size());
        for (DecodeLoop.Sample smp : samples) {
            out.add(new Rollout(smp.tokens(), decode(smp.tokens()), smp.logProbs(), smp.endedWithEos()));
        }
        return out;
    }

    @Override
    public GroupLogProbs logProbs(Prompt prompt, List<int[]> completions) {
        return logProbs(prompt, completions, null);
    }

    @Override
    public GroupLogProbs logProbs(Prompt prompt, List<int[]> completions, VisionCache images) {
        Input in = input(prompt, images);
        return groupLogProbs(in.ids(), in.grids(), in.images(), completions);
    }

    /**
     * Teacher-forced log-probs of right-padded completions after one prompt, in one batched forward: padding sits
     * after every real token, so causal attention keeps it out of the real tokens' results. Only the completion
     * positions go through the vocabulary projection.
     */
    public GroupLogProbs groupLogProbs(int[] prompt, List<int[]> grids, QwenVl.Images images, List<int[]> completions) {
        TeacherForcedBatch b = TeacherForcedBatch.of(prompt, model.positions(prompt, grids), completions, eos[0]);
        QwenVl.Embedded e = model.embed(b.ids(), images);
        // a vision tower encoded with checkpointing runs its blocks again after the layers' backward reached it
        Runnable tower = images == null ? null : images.backward();
        if (checkpointing && !frozen && Tensor.gradEnabled()) {
            LayerCheckpoints.Forward f = model.hiddenCheckpointed(e, b.positions(), true);
            return b.logProbs(model.logits(b.completionHidden(f.hidden())))
                    .withCheckpointed(LayerCheckpoints.inOrder(f.backward(), tower));
        }
        Tensor h = model.hidden(e, b.positions(), null, !frozen, null);
        return b.logProbs(model.logits(b.completionHidden(h))).withCheckpointed(tower);
    }

    @Override
    public void gradientCheckpointing(boolean on) {
        checkpointing = on;
    }

    @Override
    public boolean gradientCheckpointing() {
        return checkpointing;
    }

    @Override
    public int[] encode(String text) {
        if (tokenizer == null) {
            throw new IllegalStateException("this policy has no tokenizer");
        }
        return tokenizer.encode(text);
    }

    @Override
    public String decode(int[] tokens) {
        if (tokenizer == null) {
            throw new IllegalStateException("this policy has no tokenizer");
        }
        return tokenizer.decode(tokens, true);
    }

    @Override
    public int eosTokenId() {
        return eos[0];
    }

    @Override
    public List<Parameter> parameters() {
        return TrainableWeights.all(model.weights().named(), adapters());
    }

    /**
     * With LoRA: the adapters. Without: every language-model weight (full fine-tuning), and the vision tower's when it
     * trains ({@link Options#trainVision()}), switched to requiring gradients on this first call. A frozen policy has
     * none.
     */
    @Override
    public List<Parameter> trainableParameters() {
        if (frozen) {
            return List.of();
        }
        if (model.lora() != null) {
            return adapters();
        }
        return TrainableWeights.fullFineTuning(model.weights().named(), n -> !trainVision && isVision(n));
    }

    /** A weight of the vision tower (with its merger), under either family's names. */
    private static boolean isVision(String name) {
        return name.startsWith("visual.") || name.startsWith("model.visual.");
    }

    private List<Parameter> adapters() {
        List<Parameter> out = new ArrayList<>();
        model.adapterTensors().forEach(a -> out.add(new Parameter(a.getKey(), a.getValue())));
        return out;
    }

    /** The GRPO reference: with LoRA this model with the adapters off (no second copy); without LoRA a deep copy. */
    @Override
    public Policy frozenCopy() {
        if (model.lora() != null) {
            return new QwenVlPolicy(model, tokenizer, source, eos, true, false, visionTower, false, turn);
        }
        Map<String, Tensor> src = model.weights().named();
        QwenVlWeights copy;
        try (Tensor.GradMode g = Tensor.noGrad()) {
            // a frozen vision tower is never updated: its storage is shared, not copied (GRPO's reference of a full
            // fine-tuning run needs no memory of its own for it; with the step's image cache it never runs it)
            copy = QwenVlWeights.from(model.config(), n -> !src.containsKey(n) ? null
                            : isVision(n) && !trainVision ? src.get(n).detach().persist()
                            : src.get(n).detach().copy().persist(),
                    n -> new IllegalStateException("missing " + n));
        }
        return new QwenVlPolicy(new QwenVl(model.config(), copy, model.processor()),
                tokenizer == null ? null : Tokenizer.load(tokenizer.file()), source, eos, true, true,
                // the same frozen vision weights give interchangeable encodings; a training tower's copy has its own
                trainVision ? new Object() : visionTower, false, turn);
    }

    /**
     * Writes a Hugging Face folder transformers loads with its {@code …ForConditionalGeneration.from_pretrained}:
     * adapters merged into the base weights, under the names the source folder used, in the model's dtype;
     * config.json (dtype set), tokenizer and processor files copied from the source folder. Each file is written under
     * a temporary name and renamed.
     */
    @Override
    public void save(Path dir) {
        // a tied lm_head is never among the merged weights (QwenVlWeights leaves it out, as transformers does)
        HfModelFolder.save(source, dir, () -> model.weights().merged(),
                cfg -> cfg.put(cfg.has("dtype") ? "dtype" : "torch_dtype", LoadOptions.torchName(model.dtype())),
                SIDE_FILES);
    }

    @Override
    public void close() {
        if (ownsModel) {
            model.close();
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }
}
