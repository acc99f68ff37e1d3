package org.visualrft.model.tiny;

import org.visualrft.core.io.AtomicFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.policy.Image;
import org.visualrft.model.policy.Parameter;
import org.visualrft.model.policy.Policy;
import org.visualrft.model.policy.Prompt;
import org.visualrft.model.policy.Rollout;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.policy.VisionCache;
import org.visualrft.model.safetensors.SafeTensorsWriter;
import org.visualrft.model.safetensors.TensorEntry;
import org.visualrft.model.safetensors.Weights;
import org.visualrft.model.sampling.DecodeLoop;
import org.visualrft.model.sampling.DeviceDecodeLoop;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.Generator;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.model.tokenizer.Tokenizer;

/**
 * The built-in vision-language model {@code vrft-tiny}: a ViT patch encoder, a two-layer projector, and a causal
 * decoder in the Qwen2 recipe (RoPE, RMSNorm, SwiGLU, grouped-query attention), LLaVA-style: the projected image
 * tokens come first in the decoder's sequence.
 *
 * <p>Sequence: {@code [image tokens] <|user|> text <|assistant|> completion <|im_end|>}; positions count from 0 at the
 * first image token.
 *
 * <p>Read top to bottom: creation and loading · the forward pass (vision, decoder layer, head) · the policy methods
 * (generate, logProbs) · saving.
 */
public final class TinyVlm implements Policy {
    private final TinyConfig config;
    private final TinyWeights weights;
    private final Tokenizer tokenizer;
    private final DType dtype;
    private final Device device;
    private final boolean trainable;
    private boolean visionFrozen; // freeze_vision_modules: the encoder and its projector stay as loaded
    private final Rope rope;

    private TinyVlm(TinyConfig config, TinyWeights weights, Tokenizer tokenizer, DType dtype, boolean trainable) {
        this.config = config;
        this.weights = weights;
        this.tokenizer = tokenizer;
        this.dtype = dtype;
        this.device = weights.embedTokens().device();
        this.trainable = trainable;
        this.rope = Rope.create(config.maxPositions(), config.headDim(), config.ropeTheta(),
                config.heads() + config.numKeyValueHeads(), config.numKeyValueHeads(), dtype, device);
        for (Tensor t : weights.named().values()) {
            t.requiresGrad(trainable);
        }
    }

    // ================================================================ creation and loading

    /** A freshly initialised, trainable model (float32) drawing its weights from {@code seed}. */
    public static TinyVlm create(TinyConfig config, Tokenizer tokenizer, long seed) {
        return create(config, tokenizer, seed, DType.F32);
    }

    /** As {@link #create(TinyConfig, Tokenizer, long)} in {@code dtype} (F64 for gradient checks). */
    public static TinyVlm create(TinyConfig config, Tokenizer tokenizer, long seed, DType dtype) {
        return create(config, tokenizer, seed, dtype, Device.CPU);
    }

    /**
     * As {@link #create(TinyConfig, Tokenizer, long, DType)} with the weights on {@code device}: drawn on the CPU from
     * the seeded generator, then moved, so a seed gives the same model on every device.
     */
    public static TinyVlm create(TinyConfig config, Tokenizer tokenizer, long seed, DType dtype, Device device) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new IllegalArgumentException("tokenizer has " + tokenizer.vocabSize() + " ids, vocab_size is "
                    + config.vocabSize());
        }
        try (Generator gen = Generator.seeded(seed)) {
            return new TinyVlm(config, TinyWeights.random(config, gen, dtype, device), tokenizer, dtype, true);
        }
    }

    /** Loads a model folder (config.json, model.safetensors, tokenizer.json) as a trainable float32 model. */
    public static TinyVlm load(Path dir) {
        return load(dir, Device.CPU);
    }

    /** As {@link #load(Path)}, with the weights placed on {@code device} (converted to float32 there). */
    public static TinyVlm load(Path dir, Device device) {
        TinyConfig config = TinyConfig.read(dir.resolve("config.json"));
        Tokenizer tokenizer = Tokenizer.load(dir.resolve("tokenizer.json"));
        try {
            TokenizerMatch.check(dir.resolve("tokenizer.json"), tokenizer, config);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
        Path file = dir.resolve("model.safetensors");
        try (Weights w = Weights.open(dir)) {
            TinyWeights weights = TinyWeights.build(config, (name, shape) -> {
                if (!w.contains(name)) {
                    throw new BadInputException(file, "missing tensor '" + name + "'");
                }
                TensorEntry e = w.entry(name);
                if (!Arrays.equals(e.shape(), shape)) {
                    throw new BadInputException(file, "tensor '" + name + "' has shape " + Arrays.toString(e.shape())
                            + ", config.json needs " + Arrays.toString(shape));
                }
                if (!e.dtype().isFloating()) {
                    throw new BadInputException(file, "tensor '" + name + "' is " + e.dtype() + ", not floating point");
                }
                try (NativeScope s = NativeScope.open()) { // frees the stored copy once placed
                    return w.read(name).to(device, DType.F32).persist();
                }
            });
            return new TinyVlm(config, weights, tokenizer, DType.F32, true);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    public TinyConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return device;
    }

    // ================================================================ forward pass

    /** Gray/RGB image → resized canvas → normalised to [−1, 1] → patches {@code [1, N, p·p·C]}. */
    Tensor patches(Image image) {
        return Tensor.fromFloats(patchValues(image), 1, config.imageTokens(), config.patchDim()).to(device, dtype);
    }

    /**
     * The vision encoder's input for {@code image}, flat {@code [N, p·p·C]}: converted to the model's channels,
     * resized (bilinear) to the canvas, scaled to [−1, 1], cut into row-major patches (row-major pixels inside).
     */
    public float[] patchValues(Image image) {
        Image img = config.channels() == 1 ? image.toGray() : image;
        if (img.channels() != config.channels()) {
            throw new IllegalArgumentException("model needs " + config.channels() + " channels, image has "
                    + img.channels());
        }
        img = img.resize(config.imageSize(), config.imageSize());
        int p = config.patchSize();
        int g = config.gridSize();
        int ch = config.channels();
        float[] out = new float[config.imageTokens() * config.patchDim()];
        int o = 0;
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                for (int y = 0; y < p; y++) {
                    for (int x = 0; x < p; x++) {
                        int src = ((gy * p + y) * config.imageSize() + gx * p + x) * ch;
                        for (int c = 0; c < ch; c++) {
                            out[o++] = img.pixels()[src + c] * 2f - 1f;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Vision encoder and projector: patches {@code [B, N, pd]} → decoder-width image tokens {@code [B, N, d]}. */
    Tensor encodeImage(Tensor patches) {
        TinyWeights w = weights;
        Tensor x = w.patchEmbed().apply(patches).add(w.posEmbed());
        long b = x.size(0);
        long n = x.size(1);
        int heads = config.visionHeads();
        int hd = config.visionHeadDim();
        double eps = 1e-6;
        for (TinyWeights.VisionBlock blk : w.visionBlocks()) {
            Tensor h = x.layerNorm(blk.norm1().weight(), blk.norm1().bias(), eps);
            Tensor qkv = blk.qkv().apply(h).view(b, n, 3, heads, hd).permute(2, 0, 3, 1, 4); // [3, B, H, N, hd]
            Tensor attn = Tensor.scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2),
                    null, false, false);
            x = x.add(blk.proj().apply(attn.transpose(1, 2).reshape(b, n, (long) heads * hd)));
            h = x.layerNorm(blk.norm2().weight(), blk.norm2().bias(), eps);
            x = x.add(blk.fc2().apply(blk.fc1().apply(h).gelu()));
        }
        x = x.layerNorm(w.visionNorm().weight(), w.visionNorm().bias(), eps);
        return w.projector2().apply(w.projector1().apply(x).gelu());
    }

    /**
     * The decoder over input embeddings {@code x [B, T, d]} at positions {@code start .. start+T-1}. With a cache,
     * keys/values are appended to it and attention covers the cached prefix; without, attention is causal over x.
     * Returns the final-normed hidden states {@code [B, T, d]}.
     */
    Tensor decode(Tensor x, KvCache cache) {
        return decode(x, cache, null, null);
    }

    /**
     * The decoder, in one of three attention modes: {@code cache} (sampling: keys/values appended in place to a
     * preallocated cache; a step sees everything cached), {@code past} (scoring a group: the keys/values
     * {@code [1, kvHeads, P, headDim]} of a shared prefix, per layer, which every row of x sees in full, then causal
     * among x's own positions, which start at P), or neither (causal over x from position 0). {@code collect}, when
     * given, receives this call's keys/values per layer (to serve as a later call's {@code past}).
     */
    Tensor decode(Tensor x, KvCache cache, Tensor[][] past, Tensor[][] collect) {
        long t = x.size(1);
        long pastLen = past == null ? 0 : past[0][0].size(2);
        long start = cache != null ? cache.length : pastLen;
        if (cache != null && t > 1 && start != 0) {
            throw new IllegalStateException("multi-token step after a filled cache is not supported");
        }
        // past mode: query i (position P+i) may see key j when j <= P + i
        Tensor mask = past == null ? null
                : Tensor.arange(0, pastLen + t, DType.I64, device).unsqueeze(0)
                        .lt(Tensor.arange(0, t, DType.I64, device).unsqueeze(1).add(pastLen + 1));
        return layers(x, cache, past, collect, rope.at(start, t), mask, t > 1 && past == null);
    }

    /**
     * One decoding step of rows at their own positions (rotary tables {@code r} from {@link Rope#at(Tensor)}): the
     * step's keys/values go to the cache's next column for every row, and row r attends to the cached columns
     * {@code mask [B, 1, 1, filled + 1]} allows (null: all).
     */
    Tensor decodeRows(Tensor x, KvCache cache, Rope r, Tensor mask) {
        return layers(x, cache, null, null, r, mask, false);
    }

    /** The decoder layers and final norm, in the mode {@link #decode(Tensor, KvCache, Tensor[][], Tensor[][])} chose. */
    private Tensor layers(Tensor x, KvCache cache, Tensor[][] past, Tensor[][] collect, Rope r, Tensor mask,
            boolean causal) {
        long b = x.size(0);
        long t = x.size(1);
        long pastLen = past == null ? 0 : past[0][0].size(2);
        int h = config.heads();
        int kvh = config.numKeyValueHeads();
        int hd = config.headDim();
        for (int i = 0; i < config.layers(); i++) {
            TinyWeights.DecoderLayer l = weights.layers().get(i);
            Tensor qkv = l.qkv().apply(x.rmsNorm(l.inputNorm(), config.normEps())).view(b, t, h + 2L * kvh, hd);
            // one rotation for all heads (v's tables are the identity), then [B, heads, T, hd]
            Tensor heads = r.apply(qkv).transpose(1, 2);
            Tensor q = heads.narrow(1, 0, h);
            Tensor k;
            Tensor v;
            if (cache != null) {
                Tensor[] kv = cache.append(i, heads.narrow(1, h, 2L * kvh));
                k = kv[0];
                v = kv[1];
            } else {
                k = heads.narrow(1, h, kvh);
                v = heads.narrow(1, h + kvh, kvh);
            }
            if (collect != null) {
                collect[i] = new Tensor[] {k, v};
            }
            if (past != null) {
                k = Tensor.cat(List.of(past[i][0].expand(b, kvh, pastLen, hd), k), 2);
                v = Tensor.cat(List.of(past[i][1].expand(b, kvh, pastLen, hd), v), 2);
            }
            Tensor attn = Tensor.scaledDotProductAttention(q, k, v, mask, causal, h != kvh);
            x = x.add(Tensor.linear(attn.transpose(1, 2).reshape(b, t, (long) h * hd), l.oProj(), null));
            Tensor gu = Tensor.linear(x.rmsNorm(l.postNorm(), config.normEps()), l.gateUp(), null);
            Tensor act = gu.narrow(2, 0, config.intermediate()).silu().mul(gu.narrow(2, config.intermediate(),
                    config.intermediate()));
            x = x.add(Tensor.linear(act, l.down(), null));
        }
        if (cache != null) {
            cache.length += (int) t;
        }
        return x.rmsNorm(weights.finalNorm(), config.normEps());
    }

    /** Tied output head: hidden {@code [.., d]} → logits {@code [.., V]}. */
    Tensor logits(Tensor hidden) {
        return Tensor.linear(hidden, weights.embedTokens(), null);
    }

    /** Token ids of the templated prompt text (everything after the image tokens): user, text, assistant. */
    public int[] promptTokens(String text) {
        int[] body = tokenizer.encode(text);
        int[] ids = new int[body.length + 2];
        ids[0] = config.userTokenId();
        System.arraycopy(body, 0, ids, 1, body.length);
        ids[ids.length - 1] = config.assistantTokenId();
        return ids;
    }

    /**
     * The prompt's text; the built-in model has no chat template and no system turn, so a prompt with a system message
     * ({@code system_prompt}, {@code --system-prompt}) is refused rather than answered as if it had none.
     */
    @Override
    public boolean takesSystemMessage() {
        return false;
    }

    static String textOf(Prompt prompt) {
        if (prompt.system() != null) {
            throw new IllegalArgumentException("the built-in model (vrft-tiny) takes no system message (it has no chat"
                    + " template); leave system_prompt / --system-prompt out");
        }
        return prompt.text();
    }

    /** Positions a prompt with this text takes before the completion: image tokens, user, text, assistant. */
    public int promptPositions(String text) {
        return config.imageTokens() + promptTokens(text).length;
    }

    @Override
    public int contextLength() {
        return config.maxPositions();
    }

    @Override
    public int promptLength(Prompt prompt) {
        return promptPositions(textOf(prompt));
    }

    /** Image tokens followed by the embedded prompt: {@code [1, N + L, d]}. */
    Tensor promptEmbeddings(Prompt prompt) {
        Tensor image = encodeImage(patches(prompt.image()));
        Tensor text = Tensor.embedding(weights.embedTokens(), Tensor.fromInts(promptTokens(textOf(prompt))).on(device))
                .unsqueeze(0);
        return Tensor.cat(List.of(image, text), 1);
    }

    /** Full-sequence logits {@code [1, T, V]} of image + prompt + {@code completion}, no cache (tests, the twin). */
    public float[] fullLogits(Prompt prompt, int[] completion) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
            Tensor x = promptEmbeddings(prompt);
            if (completion.length > 0) {
                Tensor c = Tensor.embedding(weights.embedTokens(), Tensor.fromInts(completion).on(device)).unsqueeze(0);
                x = Tensor.cat(List.of(x, c), 1);
            }
            return logits(decode(x, null)).toFloats();
        }
    }

    // ================================================================ policy: sampling

    @Override
    public String modelType() {
        return TinyConfig.MODEL_TYPE;
    }

    /**
     * On the CPU the Java sampler picks each token (its exact samples are what earlier runs and tests hold); on a GPU
     * the group decodes on the device ({@link #sampleOnDevice}), with no host round trip per token
     * ({@code -Dvrft.sampling.on_device=true} takes that path on the CPU too, to check a GPU run's sampling there).
     */
    @Override
    public List<Rollout> generate(Prompt prompt, int g, SamplingParams params, RandomGenerator rng) {
        if (DeviceDecodeLoop.wanted(device)) {
            List<Rollout> out = new ArrayList<>(g);
            for (DecodeLoop.Sample smp : sampleOnDevice(prompt, g, params, rng)) {
                out.add(new Rollout(smp.tokens(), tokenizer.decode(smp.tokens(), true), smp.logProbs(),
                        smp.endedWithEos()));
            }
            return out;
        }
        if (g < 1) {
            throw new IllegalArgumentException("G must be >= 1, got " + g);
        }
        int vocab = config.vocabSize();
        GroupDraws draws;
        try (NativeScope s = NativeScope.open(); Tensor.GradMode mode = Tensor.inferenceMode()) {
            int prefixLen = promptPositions(textOf(prompt));
            int maxNew = maxNewTokens(prefixLen, params);
            draws = new GroupDraws(g, maxNew, config.eosTokenId(), config.padTokenId(), params,
                    promptTokens(textOf(prompt)));
            Tensor prefix = promptEmbeddings(prompt);
            int capacity = prefixLen + maxNew;
            // One prefill for the group: batch 1 into the cache, then copied to the G rows.
            KvCache cache = new KvCache(config, g, capacity, dtype, device);
            Tensor last = decode(prefix, cache).narrow(1, prefixLen - 1, 1);
            cache.broadcastFirst();
            int k = candidates(params);
            StepLogits step = StepLogits.of(logits(last).view(1, vocab), k).repeat(g);
            long[] next = new long[g];
            while (!draws.draw(step, 0, params, rng, next)) {
                Tensor x = Tensor.embedding(weights.embedTokens(), Tensor.fromLongs(next, g, 1).on(device));
                step = StepLogits.of(logits(decode(x, cache)).view(g, vocab), k);
            }
        }
        return draws.rollouts(tokenizer);
    }

    /**
     * How many candidates libtorch hands over per row: 1 for greedy, the whole sorted row for top-p alone, or 0 (the
     * raw row) for plain sampling, top-k (which keeps the entries tied with the k-th: libtorch's k can cut them) and
     * a repetition penalty (which can reorder the row).
     */
    private int candidates(SamplingParams params) {
        if (params.isGreedy() && !params.penalisesRepetition()) {
            return 1;
        }
        return params.penalisesRepetition() || params.topK() > 0 ? 0 : params.topP() < 1.0 ? config.vocabSize() : 0;
    }

    /**
     * Several prompts' groups in one decode: every step of all {@code prompts.size() · g} rows is one batched forward
     * (on the CPU a step of one group's rows costs mostly libtorch's per-op dispatch). Each prompt is prefilled
     * alone (batch 1) into its group's rows of one cache, its prefix in columns {@code [0, P_i)}; the new tokens of
     * every row go to the same column {@code P_max + t}, so one copy writes a step; a mask hides a row's unused
     * columns {@code [P_i, P_max)}, and its t-th new token is rotated for position {@code P_i + t}, as when it decodes
     * alone. Group i draws from {@code rngs.get(i)} in the order {@link #generate} draws, and stops at its own prompt's
     * length limit, so the groups are {@link #generate}'s up to the float rounding of the larger batch (one prompt:
     * the same to the bit). On a GPU the chunk decodes the same way in the device loop ({@link #sampleGroupsOnDevice}).
     * The vision encoder trains, so {@code images} is not used (as {@link #generate} ignores it).
     */
    @Override
    public List<List<Rollout>> generateGroups(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs, VisionCache images) {
        if (DeviceDecodeLoop.wanted(device)) {
            List<List<Rollout>> out = new ArrayList<>(prompts.size());
            for (List<DecodeLoop.Sample> group : sampleGroupsOnDevice(prompts, g, params, rngs)) {
                List<Rollout> rs = new ArrayList<>(g);
                for (DecodeLoop.Sample smp : group) {
                    rs.add(new Rollout(smp.tokens(), tokenizer.decode(smp.tokens(), true), smp.logProbs(),
                            smp.endedWithEos()));
                }
                out.add(rs);
            }
            return out;
        }
        int vocab = config.vocabSize();
        int n = prompts.size();
        int rows = n * g;
        GroupDraws[] draws = new GroupDraws[n];
        try (NativeScope s = NativeScope.open(); Tensor.GradMode mode = Tensor.inferenceMode()) {
            Chunk c = new Chunk(prompts, g, params, rngs);
            for (int i = 0; i < n; i++) {
                draws[i] = new GroupDraws(g, c.maxNew[i], config.eosTokenId(), config.padTokenId(), params,
                        promptTokens(textOf(prompts.get(i))));
            }
            int k = candidates(params);
            StepLogits step = StepLogits.of(c.prefill(), k).repeat(g);
            long[] next = new long[rows];
            while (true) {
                boolean all = true;
                for (int i = 0; i < n; i++) {
                    all &= draws[i].draw(step, i * g, params, rngs.get(i), next);
                }
                if (all) {
                    break;
                }
                step = StepLogits.of(c.step(Tensor.fromLongs(next, rows).on(device)), k);
            }
        }
        List<List<Rollout>> out = new ArrayList<>(n);
        for (GroupDraws d : draws) {
            out.add(d.rollouts(tokenizer));
        }
        return out;
    }

    /**
     * The groups of several prompts decoding together, as {@link #generateGroups} lays them out: one cache for all
     * {@code prompts.size() · g} rows, each prompt's prefix in columns {@code [0, P_i)} of its rows, the new tokens in
     * the shared columns from {@code P_max} on, each row rotated for its own positions.
     */
    private final class Chunk implements DeviceDecodeLoop.Steps {
        final int[] maxNew;
        private final List<Prompt> prompts;
        private final int g;
        private final int[] prefixLen;
        private final int pMax;
        private final Tensor positions; // [rows] int64: each row's position of its next new token
        private final KvCache cache;
        private final Tensor visible;

        Chunk(List<Prompt> prompts, int g, SamplingParams params, List<? extends RandomGenerator> rngs) {
            int n = prompts.size();
            if (n == 0 || rngs.size() != n) {
                throw new IllegalArgumentException(n + " prompts but " + rngs.size() + " generators");
            }
            if (g < 1) {
                throw new IllegalArgumentException("G must be >= 1, got " + g);
            }
            this.prompts = prompts;
            this.g = g;
            prefixLen = new int[n];
            maxNew = new int[n];
            int longest = 0;
            int newMax = 0;
            long[] first = new long[n * g];
            for (int i = 0; i < n; i++) {
                prefixLen[i] = promptPositions(textOf(prompts.get(i)));
                maxNew[i] = maxNewTokens(prefixLen[i], params);
                longest = Math.max(longest, prefixLen[i]);
                newMax = Math.max(newMax, maxNew[i]);
                Arrays.fill(first, i * g, (i + 1) * g, prefixLen[i]);
            }
            pMax = longest;
            positions = Tensor.fromLongs(first, n * g).on(device);
            cache = new KvCache(config, n * g, pMax + newMax, dtype, device);
            visible = visibleColumns(prefixLen, g, pMax, cache.capacity);
        }

        /** Each prompt alone (batch 1) into its group's rows; the logits of each prompt's last position {@code [n, V]}. */
        Tensor prefill() {
            List<Tensor> lasts = new ArrayList<>(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                KvCache group = cache.rows(i * g, g);
                lasts.add(decode(promptEmbeddings(prompts.get(i)), group).narrow(1, prefixLen[i] - 1, 1));
                group.broadcastFirst();
            }
            cache.length = pMax;
            return logits(Tensor.cat(lasts, 0)).view(prompts.size(), config.vocabSize());
        }

        /** The device loop's prefill: {@link #prefill()}, each prompt once and its group's rows served. */
        @Override
        public Tensor prefill(int rows) {
            return prefill();
        }

        /** One new token per row ({@code tokens [rows]}, int64); the logits {@code [rows, V]}. */
        @Override
        public Tensor step(Tensor tokens) {
            long rows = tokens.size(0);
            // a row past its own prompt's limit decodes on (ignored) at the last position the model has
            Tensor at = positions.clampMax(config.maxPositions() - 1).to(DType.I64); // a float scalar promotes
            positions.addInt_(1);
            Tensor mask = visible == null ? null : visible.narrow(3, 0, cache.length + 1);
            Tensor x = Tensor.embedding(weights.embedTokens(), tokens.view(rows, 1));
            return logits(decodeRows(x, cache, rope.at(at), mask)).view(rows, config.vocabSize());
        }
    }

    /**
     * {@link #generateGroups} decoded where the weights are ({@link DeviceDecodeLoop#runGroups}): the same cache
     * layout, positions and masks, with the device sampler's draws (group i's from {@code rngs.get(i)}, as
     * {@link #sampleOnDevice} draws them for that prompt alone).
     */
    List<List<DecodeLoop.Sample>> sampleGroupsOnDevice(List<Prompt> prompts, int g, SamplingParams params,
            List<? extends RandomGenerator> rngs) {
        try (NativeScope s = NativeScope.open(); Tensor.GradMode mode = Tensor.inferenceMode()) {
            Chunk c = new Chunk(prompts, g, params, rngs);
            return DeviceDecodeLoop.runGroups(c, g, c.maxNew, config.vocabSize(),
                    prompts.stream().map(p -> promptTokens(textOf(p))).toList(), params,
                    new int[] {config.eosTokenId()}, rngs, device);
        }
    }

    /**
     * Which cache columns each row may attend to, {@code [rows, 1, 1, capacity]} (bool): its own prefix
     * {@code [0, P_i)} and the new tokens from {@code P_max} on. Null when all prefixes are as long (nothing to hide).
     */
    private Tensor visibleColumns(int[] prefixLen, int g, int pMax, int capacity) {
        boolean ragged = false;
        for (int p : prefixLen) {
            ragged |= p != pMax;
        }
        if (!ragged) {
            return null;
        }
        long[] start = new long[prefixLen.length * g];
        for (int r = 0; r < start.length; r++) {
            start[r] = prefixLen[r / g];
        }
        Tensor column = Tensor.arange(0, capacity, DType.I64, device).view(1, capacity);
        Tensor own = Tensor.fromLongs(start, start.length, 1).on(device);
        return column.lt(own).logicalOr(column.ge(pMax)).view(start.length, 1, 1, capacity);
    }

    /**
     * The completion also ends where the model's positions end (as vLLM caps at max_model_len): a length budget made
     * for a larger model (the visual-rft preset's 256) still runs, without EOS past the end.
     */
    private int maxNewTokens(int prefixLen, SamplingParams params) {
        int maxNew = Math.min(params.maxNewTokens(), config.maxPositions() - prefixLen);
        if (maxNew < 1) {
            throw new IllegalArgumentException("the prompt takes " + prefixLen + " positions, leaving no room to"
                    + " generate within max_position_embeddings " + config.maxPositions());
        }
        return maxNew;
    }

    /**
     * The group decoded where the weights are ({@link DeviceDecodeLoop}): one prefill (batch 1) into the preallocated
     * cache, copied to the G rows, then every step picks, records and checks stop tokens on the device. The same
     * sampling rules as the Java sampler with the device sampler's random draws. What {@link #generate} runs on a GPU;
     * the CPU tests run it too.
     */
    List<DecodeLoop.Sample> sampleOnDevice(Prompt prompt, int g, SamplingParams params, RandomGenerator rng) {
        if (g < 1) {
            throw new IllegalArgumentException("G must be >= 1, got " + g);
        }
        int vocab = config.vocabSize();
        try (NativeScope s = NativeScope.open(); Tensor.GradMode mode = Tensor.inferenceMode()) {
            int prefixLen = promptPositions(textOf(prompt));
            int maxNew = maxNewTokens(prefixLen, params);
            KvCache cache = new KvCache(config, g, prefixLen + maxNew, dtype, device);
            DeviceDecodeLoop.Steps steps = new DeviceDecodeLoop.Steps() {
                @Override
                public Tensor prefill(int rows) {
                    Tensor last = decode(promptEmbeddings(prompt), cache).narrow(1, prefixLen - 1, 1);
                    cache.broadcastFirst();
                    return logits(last);
                }

                @Override
                public Tensor step(Tensor tokens) {
                    return logits(decode(Tensor.embedding(weights.embedTokens(), tokens.view(g, 1)), cache));
                }
            };
            return DeviceDecodeLoop.run(steps, g, vocab, promptTokens(textOf(prompt)), params.withMaxNewTokens(maxNew),
                    new int[] {config.eosTokenId()}, rng, device);
        }
    }

    // ================================================================ policy: scoring

    @Override
    public GroupLogProbs logProbs(Prompt prompt, List<int[]> completions) {
        if (completions.isEmpty()) {
            throw new IllegalArgumentException("no completions");
        }
        int g = completions.size();
        int tmax = 1;
        for (int[] c : completions) {
            tmax = Math.max(tmax, c.length);
        }
        long[] input = new long[g * tmax];
        float[] mask = new float[g * tmax];
        for (int i = 0; i < g; i++) {
            int[] c = completions.get(i);
            for (int t = 0; t < tmax; t++) {
                input[i * tmax + t] = t < c.length ? c[t] : config.padTokenId();
                mask[i * tmax + t] = t < c.length ? 1f : 0f;
            }
        }
        try (Tensor.GradMode mode = trainable ? null : Tensor.noGrad()) {
            // The group shares its prefix (image + prompt): it runs once, batch 1, and the G completions attend to
            // its keys/values, so a group costs P + G·T positions instead of G·(P + T).
            Tensor prefix = promptEmbeddings(prompt);
            int p = (int) prefix.size(1);
            Tensor[][] past = new Tensor[config.layers()][];
            Tensor prefixHidden = decode(prefix, null, null, past);
            Tensor targets = Tensor.fromLongs(input, g, tmax).on(device);
            // hidden state predicting completion token t: prefix's last position for t = 0, completion t-1 after
            Tensor first = prefixHidden.narrow(1, p - 1, 1).expand(g, 1, config.hidden());
            Tensor predicting = first;
            if (tmax > 1) {
                Tensor completion = Tensor.embedding(weights.embedTokens(), targets.narrow(1, 0, tmax - 1));
                predicting = Tensor.cat(List.of(first, decode(completion, null, past, null)), 1);
            }
            Tensor m = Tensor.fromFloats(mask, g, tmax).to(device, dtype);
            return GroupLogProbs.of(logits(predicting), targets, m);
        }
    }

    /**
     * One batched forward for B different prompts, one completion each. Each row is laid out as
     * {@code [image, prompt, completion, padding]}: padding only ever follows a row's real tokens, so plain causal
     * attention never sees it, and the completion's predicting positions are gathered per row.
     */
    @Override
    public GroupLogProbs logProbs(List<Prompt> prompts, List<int[]> completions) {
        int b = prompts.size();
        if (b != completions.size() || b == 0) {
            throw new IllegalArgumentException(b + " prompts but " + completions.size() + " completions");
        }
        int n = config.imageTokens();
        int[][] promptIds = new int[b][];
        int lmax = 1;
        int tmax = 1;
        for (int i = 0; i < b; i++) {
            promptIds[i] = promptTokens(textOf(prompts.get(i)));
            lmax = Math.max(lmax, promptIds[i].length + completions.get(i).length);
            tmax = Math.max(tmax, completions.get(i).length);
        }
        long[] text = new long[b * lmax];
        long[] targets = new long[b * tmax];
        long[] where = new long[b * tmax];
        float[] mask = new float[b * tmax];
        float[] pixels = new float[b * n * config.patchDim()];
        for (int i = 0; i < b; i++) {
            int[] p = promptIds[i];
            int[] c = completions.get(i);
            Arrays.fill(text, i * lmax, (i + 1) * lmax, config.padTokenId());
            for (int j = 0; j < p.length; j++) {
                text[i * lmax + j] = p[j];
            }
            for (int t = 0; t < c.length; t++) {
                text[i * lmax + p.length + t] = c[t];
            }
            for (int t = 0; t < tmax; t++) {
                boolean real = t < c.length;
                targets[i * tmax + t] = real ? c[t] : config.padTokenId();
                where[i * tmax + t] = real ? n + p.length - 1 + t : n + p.length - 1;
                mask[i * tmax + t] = real ? 1f : 0f;
            }
            float[] px = patchValues(prompts.get(i).image());
            System.arraycopy(px, 0, pixels, i * px.length, px.length);
        }
        try (Tensor.GradMode mode = trainable ? null : Tensor.noGrad()) {
            Tensor image = encodeImage(Tensor.fromFloats(pixels, b, n, config.patchDim()).to(device, dtype));
            Tensor tokens = Tensor.embedding(weights.embedTokens(), Tensor.fromLongs(text, b, lmax).on(device));
            Tensor hidden = decode(Tensor.cat(List.of(image, tokens), 1), null);
            Tensor index = Tensor.fromLongs(where, b, tmax, 1).on(device).expand(b, tmax, config.hidden());
            Tensor m = Tensor.fromFloats(mask, b, tmax).to(device, dtype);
            return GroupLogProbs.of(logits(hidden.gather(1, index)), Tensor.fromLongs(targets, b, tmax).on(device), m);
        }
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    @Override
    public String decode(int[] tokens) {
        return tokenizer.decode(tokens, true);
    }

    @Override
    public int eosTokenId() {
        return config.eosTokenId();
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> out = new ArrayList<>();
        weights.named().forEach((n, t) -> out.add(new Parameter(n, t)));
        return out;
    }

    @Override
    public List<Parameter> trainableParameters() {
        if (!trainable) {
            return List.of();
        }
        return visionFrozen ? parameters().stream().filter(p -> !isVision(p.name())).toList() : parameters();
    }

    /**
     * Leaves the vision encoder and its projector into the language model out of training (what
     * {@code freeze_vision_modules} asks, as freezing a Qwen model's {@code visual} module leaves out its merger too):
     * they no longer take gradients and are not among {@link #trainableParameters()}. Returns this model.
     */
    public TinyVlm freezeVision() {
        visionFrozen = true;
        weights.named().forEach((n, t) -> {
            if (isVision(n) && t.requiresGrad()) {
                t.requiresGrad(false);
            }
        });
        return this;
    }

    private static boolean isVision(String name) {
        return name.startsWith("vision.") || name.startsWith("projector.");
    }

    @Override
    public TinyVlm frozenCopy() {
        Map<String, Tensor> src = weights.named();
        TinyWeights copy;
        try (Tensor.GradMode g = Tensor.noGrad()) {
            // a frozen encoder is never updated: the reference shares its storage (as the Qwen policies share a
            // frozen vision tower), so a GRPO reference holds only the weights that train
            copy = TinyWeights.build(config, (name, shape) -> visionFrozen && isVision(name)
                    ? src.get(name).detach().persist() : src.get(name).detach().copy().persist());
        }
        return new TinyVlm(config, copy, tokenizer.copy(), dtype, false);
    }

    /** Number of weights (scalars). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : weights.named().values()) {
            n += t.numel();
        }
        return n;
    }

    // ================================================================ saving

    @Override
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            // one float32 host copy at a time, freed once written
            List<SafeTensorsWriter.Entry> named = new ArrayList<>();
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                weights.named().forEach((n, t) -> named.add(new SafeTensorsWriter.Entry(n, DType.F32, t.shape(),
                        () -> t.detach().to(Device.CPU, DType.F32), true)));
                SafeTensorsWriter.write(dir.resolve("model.safetensors"), named, Map.of("format", "pt"));
            }
            AtomicFile.writeBytes(dir.resolve("config.json"),
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config.toJson()));
            AtomicFile.writeBytes(dir.resolve("tokenizer.json"), tokenizer.json());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (Tensor t : weights.named().values()) {
            t.close();
        }
        rope.close();
        tokenizer.close();
    }
}
