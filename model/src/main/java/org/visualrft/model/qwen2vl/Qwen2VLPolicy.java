package org.visualrft.model.qwen2vl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.visualrft.core.BadInputException;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.lora.LoraConfig;
import org.visualrft.model.lora.PeftAdapter;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.HfModelFolder;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.LoadOptions;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.TrainableWeights;
import org.visualrft.model.policy.VisionCache;
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
 * Qwen2-VL behind the {@link Policy} interface, so the GRPO and SFT trainers drive it like the built-in model.
 *
 * <p>Training is LoRA on the language model (with {@link LoraConfig#visionTower()} on the vision tower's layers too,
 * every base weight frozen), or full fine-tuning of the language model,
 * with the vision tower too when {@link Options#trainVision()}. With LoRA the GRPO reference ({@link #frozenCopy()}) is
 * this same model with the adapters switched off: the base weights never change, so no second copy is held.
 */
public final class Qwen2VLPolicy implements Policy {
    /** Files of a Hugging Face folder that travel with a saved model. */
    private static final List<String> SIDE_FILES = List.of("tokenizer.json", "tokenizer_config.json", "chat_template.json",
            "preprocessor_config.json", "generation_config.json", "vocab.json", "merges.txt", "special_tokens_map.json",
            "added_tokens.json");

    /**
     * How to open a folder: compute dtype, optional LoRA, the seed of fresh adapters, optional pixel limits, the device,
     * and whether full fine-tuning trains the vision tower too ({@code trainVision}; false: it stays frozen).
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

        /**
         * Defaults: the config's torch_dtype, no adapters; system properties {@code vrft.lora.rank},
         * {@code vrft.lora.alpha}, {@code vrft.lora.targets} (comma separated), {@code vrft.lora.seed},
         * {@code vrft.qwen2vl.max_pixels} and {@code vrft.dtype} override. What a model opened without a training
         * config ({@code generate}, evaluation) gets; a training run passes its settings with {@link #of}.
         */
        public static Options fromSystemProperties(Qwen2VLConfig c) {
            return fromSystemProperties(c.torchDtype());
        }

        /** The same, for any family: {@code torchDtype} is the config's dtype, the default compute dtype. */
        public static Options fromSystemProperties(String torchDtype) {
            String named = System.getProperty("vrft.dtype");
            if (named != null && !named.strip().matches("(?i)bf16|bfloat16|f32|fp32|float32")) {
                throw new BadInputException("-Dvrft.dtype", "must be bf16 or f32 (bfloat16, float32), got '" + named + "'");
            }
            DType dtype = dtypeOf(named != null ? named.strip() : torchDtype);
            LoraConfig lora = null;
            Long rank = wholeProperty("vrft.lora.rank", 1, 1 << 16);
            if (rank != null) {
                int r = rank.intValue();
                String a = System.getProperty("vrft.lora.alpha");
                double alpha = 2 * r;
                if (a != null) {
                    try {
                        alpha = Double.parseDouble(a.strip());
                    } catch (NumberFormatException e) {
                        alpha = Double.NaN;
                    }
                    if (!(alpha > 0 && Double.isFinite(alpha))) {
                        throw new BadInputException("-Dvrft.lora.alpha", "must be a positive number, got '" + a + "'");
                    }
                }
                String t = System.getProperty("vrft.lora.targets", String.join(",", LoraConfig.ALL_LINEAR));
                lora = new LoraConfig(r, alpha, Set.of(t.split(",")));
            }
            Long seed = wholeProperty("vrft.lora.seed", Long.MIN_VALUE, Long.MAX_VALUE);
            return new Options(dtype, lora, seed == null ? 0 : seed, null, maxPixelsProperty("vrft.qwen2vl.max_pixels"));
        }

        /** A whole-number system property within [min, max], null when unset; anything else is one error naming it. */
        private static Long wholeProperty(String name, long min, long max) {
            String v = System.getProperty(name);
            if (v == null) {
                return null;
            }
            try {
                long x = Long.parseLong(v.strip());
                if (x >= min && x <= max) {
                    return x;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new BadInputException("-D" + name, "must be a whole number" + (min == Long.MIN_VALUE ? ""
                    : " from " + min + " to " + max) + ", got '" + v + "'");
        }

        /**
         * What a training config asks for ({@code options}: device, torch_dtype, LoRA, pixel limits), the dtype
         * defaulting to the config's {@code torchDtype}; no {@code vrft.dtype} or {@code vrft.lora.*} property adds to
         * it ({@code vrft.qwen2vl.max_pixels} still applies when the options set no max_pixels).
         */
        public static Options of(String torchDtype, LoadOptions options) {
            DType dtype = options.dtype() != null ? options.dtype() : dtypeOf(torchDtype);
            return new Options(dtype, options.lora(), options.loraSeed(), options.minPixels(),
                    options.maxPixels() != null ? options.maxPixels() : maxPixelsProperty("vrft.qwen2vl.max_pixels"),
                    options.device(), options.trainsVision());
        }

        /** The pixel limit system property {@code name} ({@code vrft.qwen2vl.max_pixels}, {@code vrft.max_pixels}). */
        public static Integer maxPixelsProperty(String name) {
            Long v = wholeProperty(name, 1, Integer.MAX_VALUE);
            return v == null ? null : v.intValue();
        }

        /** bfloat16 (or bf16) computes in BF16; anything else in F32. */
        private static DType dtypeOf(String name) {
            return name.equalsIgnoreCase("bfloat16") || name.equalsIgnoreCase("bf16") ? DType.BF16 : DType.F32;
        }
    }

    private final Qwen2VL model;
    private final Tokenizer tokenizer;
    private final Path source;
    private final int[] eos;
    private final int imagePadId;
    private final boolean frozen; // adapters off, no gradients: the reference view
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

    private Qwen2VLPolicy(Qwen2VL model, Tokenizer tokenizer, Path source, int[] eos, boolean frozen, boolean ownsModel,
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
        this.imagePadId = model.config().imageTokenId();
    }

    /** Opens a Hugging Face Qwen2-VL folder (config.json, safetensors, tokenizer.json, preprocessor_config.json). */
    public static Qwen2VLPolicy load(Path dir, Options opts) {
        Path tok = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new BadInputException(tok, "no tokenizer.json in the model folder");
        }
        QwenTokenizerCheck.check(tok, dir.resolve("config.json")); // before the weights: minutes for a large model
        PromptTurn turn = FolderChatTemplate.turn(dir, ChatTemplate.WITH_DEFAULT_SYSTEM);
        Qwen2VL model = Qwen2VL.load(dir, opts.dtype(), opts.device());
        if (opts.minPixels() != null || opts.maxPixels() != null) {
            ImageProcessor p = model.processor();
            model = new Qwen2VL(model.config(), model.weights(), p.withPixels(
                    opts.minPixels() == null ? p.minPixels() : opts.minPixels(), opts.maxPixels() == null ? p.maxPixels() : opts.maxPixels()));
        }
        if (opts.lora() != null) {
            try (Generator g = Generator.seeded(opts.seed())) {
                model.attachLora(opts.lora(), g);
            }
        }
        Tokenizer tokenizer = Tokenizer.load(tok);
        return new Qwen2VLPolicy(model, tokenizer, dir, eosIds(dir, model.config()), false, true, new Object(),
                opts.trainVision(), turn);
    }

    /**
     * A policy around a model already in memory (e.g. {@link RandomWeights#model}); {@code tokenizer} may be null when
     * only token-level calls are made ({@link #groupLogProbs}, {@link Generation}); {@code source} (may be null) is
     * where {@link #save} copies config and tokenizer files from.
     */
    public static Qwen2VLPolicy of(Qwen2VL model, Tokenizer tokenizer, Path source, int[] eos) {
        return new Qwen2VLPolicy(model, tokenizer, source, eos.clone(), false, true, new Object(), false,
                ChatTemplate.WITH_DEFAULT_SYSTEM);
    }

    /** As {@link #of(Qwen2VL, Tokenizer, Path, int[])}, full fine-tuning training the vision tower too. */
    public static Qwen2VLPolicy withVisionTrained(Qwen2VL model, Tokenizer tokenizer, Path source, int[] eos) {
        TrainableWeights.visionWithoutAdapters(true, model.lora());
        return new Qwen2VLPolicy(model, tokenizer, source, eos.clone(), false, true, new Object(), true,
                ChatTemplate.WITH_DEFAULT_SYSTEM);
    }

    /** The stop tokens: generation_config.json's eos_token_id (a list in the hub files), else config.json's. */
    private static int[] eosIds(Path dir, Qwen2VLConfig c) {
        Set<Integer> ids = new LinkedHashSet<>();
        for (int e : c.eosTokenIds()) {
            ids.add(e);
        }
        Path gen = dir.resolve("generation_config.json");
        if (Files.isRegularFile(gen)) {
            Json j = Json.read(gen);
            Object e = j.raw().get("eos_token_id");
            if (e instanceof List<?>) {
                for (int v : j.integers("eos_token_id", null)) {
                    ids.add(v);
                }
            } else if (e != null) {
                ids.add(j.integer("eos_token_id", null));
            }
            for (int v : ids) { // one past the vocabulary never stops anything, as in generate (a copied file)
                if (v < 0) {
                    throw new BadInputException(gen, "eos_token_id must be a token id (0 or more), got " + v);
                }
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    public Qwen2VL model() {
        return model;
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public String modelType() {
        return "qwen2_vl";
    }

    /** The prompt's token ids (image pads expanded) and the image's processed patches. */
    public record Encoded(int[] ids, ImageProcessor.Patches patches) {
    }

    public Encoded encodePrompt(Prompt prompt) {
        ImageProcessor.Patches patches = model.processor().process(toRgb(prompt.image()));
        return new Encoded(promptIds(prompt, patches.tokenCount(model.processor().mergeSize())), patches);
    }

    private int[] promptIds(Prompt prompt, int imageTokens) {
        return ChatTemplate.expandImagePads(turn.encode(tokenizer, prompt.system(), prompt.text()), imagePadId,
                imageTokens);
    }

    /** The config's max_position_embeddings: prompt and completion together stay within the trained positions. */
    @Override
    public int contextLength() {
        return model.config().maxPositionEmbeddings();
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
        return turn.encode(tokenizer, prompt.system(), prompt.text()).length - 1
                + imageTokens(model.processor(), prompt.image());
    }

    /** Tokens {@code processor} turns {@code image} into after the merge: the smart-resized area in merged patches. */
    public static int imageTokens(ImageProcessor processor, Image image) {
        int factor = processor.patchSize() * processor.mergeSize();
        org.visualrft.model.image.SmartResize.Size size = org.visualrft.model.image.SmartResize.compute(image.height(),
                image.width(), factor, processor.minPixels(), processor.maxPixels());
        return (size.height() / factor) * (size.width() / factor);
    }

    /**
     * A prompt ready for the decoder: its ids (image pads expanded), the image's grid and its embeddings, and with
     * a checkpointed vision tower the rest of its backward (else null).
     */
    private record Input(int[] ids, List<int[]> grids, Tensor image, Runnable visionBackward) {
        Input(int[] ids, List<int[]> grids, Tensor image) {
            this(ids, grids, image, null);
        }
    }

    /**
     * The prompt's ids and image embeddings; with {@code images}, the embeddings come from there (encoded on first
     * use). A frozen vision tower runs without autograd ({@link Qwen2VL#encodeImages}), so reuse gives the very same
     * tensor values as encoding again. A vision tower that trains encodes each time, under the caller's grad mode, so
     * that the loss's gradients reach it: {@code images} is not used. So does a tower with LoRA adapters (the
     * reference, its base, still shares the cache). With activation checkpointing its blocks run again in the backward.
     */
    private Input input(Prompt prompt, VisionCache images) {
        if (images == null || trainVision || visionAdapters) {
            Encoded e = encodePrompt(prompt);
            if ((trainVision || visionAdapters) && checkpointing && Tensor.gradEnabled()) {
                LayerCheckpoints.Forward f = model.encodeImagesCheckpointed(List.of(e.patches()), !frozen);
                return new Input(e.ids(), List.of(grid(e.patches())), f.hidden(), f.backward());
            }
            return new Input(e.ids(), List.of(grid(e.patches())),
                    model.encodeImages(List.of(e.patches()), null, trainVision || visionAdapters, !frozen));
        }
        VisionCache.Entry v = images.get(prompt.image(), visionTower, () -> {
            ImageProcessor.Patches p = model.processor().process(toRgb(prompt.image()));
            return new VisionCache.Entry(grid(p), List.of(model.encodeImages(List.of(p), null, false, false)));
        });
        return new Input(promptIds(prompt, v.tokens(model.processor().mergeSize())), List.of(v.grid()), v.embeddings());
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
            // on a GPU the static-cache engine keeps the whole group on the device (and replays a CUDA graph);
            // on the CPU the dynamic cache with Java-side sampling is as fast and keeps earlier runs' exact samples
            // (-Dvrft.sampling.on_device=true takes the GPU's path on the CPU, to check a GPU run's sampling there)
            List<DecodeLoop.Sample> samples = DeviceDecodeLoop.wanted(model.device())
                    ? StaticDecoder.sample(model, in.ids(), in.grids(), in.image(), g, params, eos, rng, !frozen,
                            StaticDecoder.useGraph())
                    : Generation.sample(model, in.ids(), in.grids(), in.image(), g, params, eos, rng, null, !frozen);
            return rollouts(samples);
        }
    }

    /**
     * Several prompts' groups decoded together by the static-cache engine ({@link StaticDecoder#sampleGroups}: one
     * batched step for all {@code prompts × g} rows) where {@link #generate} uses that engine (a GPU, or
     * {@code -Dvrft.sampling.on_device=true}); group i samples what {@code generate} samples for prompt i alone with
     * {@code rngs.get(i)}, up to float rounding. One prompt, or the CPU's Java-side sampling: {@code generate} per
     * prompt.
     */
    @Override
    public List<List<Rollout>> generateGroups(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs, VisionCache images) {
        if (prompts.size() <= 1 || !DeviceDecodeLoop.wanted(model.device())) {
            return Policy.super.generateGroups(prompts, g, params, rngs, images);
        }
        if (rngs.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + rngs.size() + " generators");
        }
        try (NativeScope s = NativeScope.open(); Tensor.GradMode ng = Tensor.noGrad()) {
            List<int[]> ids = new ArrayList<>(prompts.size());
            List<List<int[]>> grids = new ArrayList<>(prompts.size());
            List<Tensor> embeds = new ArrayList<>(prompts.size());
            for (Prompt p : prompts) {
                Input in = input(p, images);
                ids.add(in.ids());
                grids.add(in.grids());
                embeds.add(in.image());
            }
            // the longest prompt bounds every row's completion: they decode as one batch
            params = params.within(contextLength(), ids.stream().mapToInt(x -> x.length).max().orElse(0));
            List<List<Rollout>> out = new ArrayList<>(prompts.size());
            for (List<DecodeLoop.Sample> group : StaticDecoder.sampleGroups(model, ids, grids, embeds, g, params, eos,
                    rngs, !frozen, StaticDecoder.useGraph())) {
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
        GroupLogProbs lp = groupLogProbs(in.ids(), in.grids(), in.image(), completions);
        return in.visionBackward() == null ? lp
                : lp.withCheckpointed(LayerCheckpoints.inOrder(lp.checkpointed(), in.visionBackward()));
    }

    /**
     * Teacher-forced log-probs of right-padded completions after one prompt, batched: padding sits after every real
     * token, so causal attention keeps it out of the real tokens' results. Only the completion positions go through
     * the vocabulary projection (the prompt's logits are never formed).
     */
    public GroupLogProbs groupLogProbs(int[] prompt, List<int[]> grids, Tensor image, List<int[]> completions) {
        TeacherForcedBatch b = TeacherForcedBatch.of(prompt, RopeIndex.compute(prompt, grids, model.config()), completions,
                eos.length > 0 ? eos[0] : 0);
        Tensor x = model.embed(b.ids(), image);
        if (checkpointing && !frozen && Tensor.gradEnabled()) {
            LayerCheckpoints.Forward f = model.hiddenCheckpointed(x, b.positions(), true);
            return b.logProbs(model.logits(b.completionHidden(f.hidden()))).withCheckpointed(f.backward());
        }
        Tensor h = model.hidden(x, b.positions(), null, !frozen, null);
        return b.logProbs(model.logits(b.completionHidden(h)));
    }

    static int[] grid(ImageProcessor.Patches p) {
        return new int[] {p.gridT(), p.gridH(), p.gridW()};
    }

    /** policy images hold 0..1 floats made from bytes; x·255 rounds back to the byte exactly. */
    public static RgbImage toRgb(Image img) {
        int n = img.width() * img.height();
        byte[] rgb = new byte[n * 3];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < 3; ch++) {
                float v = img.pixels()[i * img.channels() + (img.channels() == 1 ? 0 : ch)];
                rgb[i * 3 + ch] = (byte) Math.max(0, Math.min(255, Math.round(v * 255f)));
            }
        }
        return new RgbImage(img.width(), img.height(), rgb);
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
            throw new IllegalStateException("this Qwen2-VL policy has no tokenizer");
        }
        return tokenizer.encode(text);
    }

    @Override
    public String decode(int[] tokens) {
        if (tokenizer == null) {
            throw new IllegalStateException("this Qwen2-VL policy has no tokenizer");
        }
        return tokenizer.decode(tokens, true);
    }

    @Override
    public int eosTokenId() {
        return eos[0];
    }

    @Override
    public List<Parameter> parameters() {
        return TrainableWeights.all(model.weights().named(model.config()), adapters());
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
        return TrainableWeights.fullFineTuning(model.weights().named(model.config()),
                n -> !trainVision && n.startsWith("visual."));
    }

    private List<Parameter> adapters() {
        List<Parameter> out = new ArrayList<>();
        for (Qwen2VL.NamedTensor a : model.adapterTensors()) {
            out.add(new Parameter(a.name(), a.tensor()));
        }
        return out;
    }

    /**
     * The GRPO reference. With LoRA: this model with the adapters off (the base weights are frozen, so this equals a
     * deep copy of the starting model without a second copy in memory). Without LoRA: a deep copy.
     */
    @Override
    public Policy frozenCopy() {
        if (model.lora() != null) {
            return new Qwen2VLPolicy(model, tokenizer, source, eos, true, false, visionTower, false, turn);
        }
        Map<String, Tensor> src = model.weights().named(model.config());
        Qwen2VLWeights copy;
        try (Tensor.GradMode g = Tensor.noGrad()) {
            // a frozen vision tower is never updated: its storage is shared, not copied (GRPO's reference of a full
            // fine-tuning run needs no memory of its own for it; with the step's image cache it never runs it)
            copy = Qwen2VLWeights.from(model.config(), n -> !src.containsKey(n) ? null
                            : n.startsWith("visual.") && !trainVision ? src.get(n).detach().persist()
                            : src.get(n).detach().copy().persist(),
                    n -> new IllegalStateException("missing " + n));
        }
        // the same frozen vision weights give interchangeable encodings; a training tower's copy encodes on its own
        return new Qwen2VLPolicy(new Qwen2VL(model.config(), copy, model.processor()),
                tokenizer == null ? null : Tokenizer.load(tokenizer.file()),
                source, eos, true, true, trainVision ? new Object() : visionTower, false, turn);
    }

    /**
     * Writes a Hugging Face folder transformers loads with {@code Qwen2VLForConditionalGeneration.from_pretrained}:
     * adapters merged into the base weights, in the model's dtype; config.json (its torch_dtype, or transformers 5's dtype, set), tokenizer and
     * processor files copied from the source folder. Each file is written under a temporary name and renamed.
     */
    @Override
    public void save(Path dir) {
        HfModelFolder.save(source, dir, () -> model.weights().merged(model.config()),
                cfg -> cfg.put(cfg.has("dtype") ? "dtype" : "torch_dtype", LoadOptions.torchName(model.dtype())), SIDE_FILES);
    }

    /** Writes the adapters alone in PEFT's layout (adapter_model.safetensors + adapter_config.json). */
    public void saveAdapter(Path dir) {
        LoraConfig lora = model.lora();
        if (lora == null) {
            throw new IllegalStateException("no LoRA adapters attached");
        }
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            Map<String, Tensor> named = new LinkedHashMap<>();
            for (Qwen2VL.NamedTensor a : model.adapterTensors()) {
                named.put(a.name(), a.tensor().detach());
            }
            PeftAdapter.write(dir, named, lora, source);
        }
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
