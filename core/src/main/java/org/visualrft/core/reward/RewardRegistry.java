package org.visualrft.core.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.BiFunction;

/**
 * Reward functions by name. Names in both modes: {@code format}; detection {@code iou}, {@code confidence};
 * classification {@code accuracy}; grounding {@code giou}. Beyond the original (strict semantics, mode ignored):
 * {@code iou_hungarian}, {@code ap}, {@code box_count}.
 *
 * <p>User rewards join the registry three ways: a {@link RewardProvider} listed in a jar's
 * {@code META-INF/services} (found by {@link java.util.ServiceLoader} on first use), {@link #register} from code, or a
 * fully qualified class name used as the name itself ({@code com.example.MyReward}): a public class that implements
 * {@link RewardFunction} (public constructor taking {@code (RewardMode, RewardOptions)} or none) or
 * {@link RewardProvider} (public no-argument constructor).
 *
 * <p>A name is declared once: when two providers on the class path (or a provider and a built-in reward) declare the
 * same name, that name cannot be used and looking it up is an error naming both declarations (their classes and
 * jars); every other name still works. Built-in names are not silently overridden, so a jar on the class path cannot
 * quietly change what {@code iou} scores.
 *
 * <pre>{@code
 * RewardSet set = RewardRegistry.set("iou:1,confidence:0.5,format:1", RewardMode.STRICT, RewardOptions.DEFAULT);
 * }</pre>
 */
public final class RewardRegistry {
    private static final Map<String, BiFunction<RewardMode, RewardOptions, RewardFunction>> FACTORIES =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final List<String> BUILT_IN;
    /** Names declared twice on the class path, with the error that names both sides (see {@link RewardProviders}). */
    private static final Map<String, String> CLASHES;
    private static final List<String> PROVIDER_PROBLEMS;

    static {
        Map<String, Class<?>> builtIns = new LinkedHashMap<>();
        builtIn(builtIns, FormatReward.NAME, FormatReward.class, (m, o) -> new FormatReward());
        builtIn(builtIns, IouReward.NAME, IouReward.class, IouReward::new);
        builtIn(builtIns, ConfidenceReward.NAME, ConfidenceReward.class, ConfidenceReward::new);
        builtIn(builtIns, ClassificationReward.NAME, ClassificationReward.class, ClassificationReward::new);
        builtIn(builtIns, GroundingReward.NAME, GroundingReward.class, GroundingReward::new);
        builtIn(builtIns, HungarianIouReward.NAME, HungarianIouReward.class, (m, o) -> new HungarianIouReward(o));
        builtIn(builtIns, ApReward.NAME, ApReward.class, (m, o) -> new ApReward(o));
        builtIn(builtIns, BoxCountReward.NAME, BoxCountReward.class, (m, o) -> new BoxCountReward(o));
        BUILT_IN = List.copyOf(builtIns.keySet());
        RewardProviders found = RewardProviders.scan(ServiceLoader.load(RewardProvider.class), builtIns);
        found.usable().forEach((name, p) -> FACTORIES.put(name, p::create));
        CLASHES = found.clashes();
        PROVIDER_PROBLEMS = found.problems();
    }

    private RewardRegistry() {
    }

    private static void builtIn(Map<String, Class<?>> classes, String name, Class<? extends RewardFunction> type,
            BiFunction<RewardMode, RewardOptions, RewardFunction> factory) {
        classes.put(name, type);
        FACTORIES.put(name, factory);
    }

    /**
     * Every usable name: the built-in ones in their documented order, then the users' ones by name. A name declared
     * twice on the class path is not usable (looking it up is an error that names both declarations).
     */
    public static List<String> names() {
        List<String> out = new ArrayList<>();
        for (String n : BUILT_IN) {
            if (!CLASHES.containsKey(n)) {
                out.add(n);
            }
        }
        for (String n : FACTORIES.keySet()) {
            if (!BUILT_IN.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * Adds a user's reward under {@code name} (the name its functions report). IllegalArgumentException when the
     * name is taken or not a plain identifier.
     */
    public static void register(String name, BiFunction<RewardMode, RewardOptions, RewardFunction> factory) {
        if (name == null || !name.matches(RewardProviders.NAME_PATTERN)) {
            throw new IllegalArgumentException("reward name '" + name + "' must be letters, digits, _ . / -");
        }
        if (CLASHES.containsKey(name)) {
            throw new IllegalArgumentException(CLASHES.get(name));
        }
        if (FACTORIES.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException("reward '" + name + "' is registered already");
        }
    }

    /**
     * One function by name (or by class name, see the class comment); IllegalArgumentException for an unknown name
     * or a class that cannot serve as a reward.
     */
    public static RewardFunction create(String name, RewardMode mode, RewardOptions options) {
        String clash = CLASHES.get(name);
        if (clash != null) {
            throw new IllegalArgumentException(clash);
        }
        BiFunction<RewardMode, RewardOptions, RewardFunction> f = FACTORIES.get(name);
        RewardFunction r;
        if (f != null) {
            r = f.apply(mode, options);
        } else if (name.indexOf('.') > 0) {
            r = RewardClasses.instantiate(name, mode, options);
        } else {
            throw new IllegalArgumentException("unknown reward '" + name + "'; known: " + String.join(", ", names())
                    + " (or a class name, or a RewardProvider on the class path)" + (PROVIDER_PROBLEMS.isEmpty() ? ""
                    : "; reward providers that failed to load: " + String.join("; ", PROVIDER_PROBLEMS)));
        }
        if (r == null) {
            throw new IllegalArgumentException("reward '" + name + "' made no function (null)");
        }
        return r;
    }

    /** The Visual-RFT reward list of a task, in the original order, weight 1 each. */
    public static List<String> defaultNames(Task task) {
        return switch (task) {
            case DETECTION -> List.of(IouReward.NAME, ConfidenceReward.NAME, FormatReward.NAME);
            case CLASSIFICATION -> List.of(ClassificationReward.NAME, FormatReward.NAME);
            case GROUNDING -> List.of(GroundingReward.NAME, FormatReward.NAME);
        };
    }

    /** The Visual-RFT reward set of a task (weights 1). */
    public static RewardSet defaults(Task task, RewardMode mode, RewardOptions options) {
        List<RewardFunction> fs = new ArrayList<>();
        for (String n : defaultNames(task)) {
            fs.add(create(n, mode, options));
        }
        return RewardSet.unweighted(fs);
    }

    /**
     * A set from a spec {@code name[:weight],name[:weight],...} (weight 1 when omitted), e.g.
     * {@code iou_hungarian,confidence:0.5,format}. IllegalArgumentException for unknown names or bad weights.
     */
    public static RewardSet set(String spec, RewardMode mode, RewardOptions options) {
        List<WeightedReward> parts = new ArrayList<>();
        for (String item : spec.split(",", -1)) { // -1: "iou," and "," keep their empty names, refused below
            String t = item.trim();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("empty reward name in '" + spec + "'");
            }
            int colon = t.indexOf(':');
            double w = 1.0;
            String name = t;
            if (colon >= 0) {
                name = t.substring(0, colon).trim();
                try {
                    w = Double.parseDouble(t.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("bad weight in '" + t + "'");
                }
            }
            parts.add(new WeightedReward(create(name, mode, options), w));
        }
        return new RewardSet(parts);
    }
}
