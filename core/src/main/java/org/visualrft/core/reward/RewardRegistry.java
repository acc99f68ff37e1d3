package org.visualrft.core.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * <pre>{@code
 * RewardSet set = RewardRegistry.set("iou:1,confidence:0.5,format:1", RewardMode.STRICT, RewardOptions.DEFAULT);
 * }</pre>
 */
public final class RewardRegistry {
    private static final Map<String, BiFunction<RewardMode, RewardOptions, RewardFunction>> FACTORIES =
            new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final List<String> BUILT_IN;

    static {
        FACTORIES.put(FormatReward.NAME, (m, o) -> new FormatReward());
        FACTORIES.put(IouReward.NAME, IouReward::new);
        FACTORIES.put(ConfidenceReward.NAME, ConfidenceReward::new);
        FACTORIES.put(ClassificationReward.NAME, ClassificationReward::new);
        FACTORIES.put(GroundingReward.NAME, GroundingReward::new);
        FACTORIES.put(HungarianIouReward.NAME, (m, o) -> new HungarianIouReward(o));
        FACTORIES.put(ApReward.NAME, (m, o) -> new ApReward(o));
        FACTORIES.put(BoxCountReward.NAME, (m, o) -> new BoxCountReward(o));
        BUILT_IN = List.of(FormatReward.NAME, IouReward.NAME, ConfidenceReward.NAME, ClassificationReward.NAME,
                GroundingReward.NAME, HungarianIouReward.NAME, ApReward.NAME, BoxCountReward.NAME);
        for (RewardProvider p : java.util.ServiceLoader.load(RewardProvider.class)) {
            register(p.name(), p::create);
        }
    }

    private RewardRegistry() {
    }

    /** Every registered name: the built-in ones in their documented order, then the users' ones by name. */
    public static List<String> names() {
        List<String> out = new ArrayList<>(BUILT_IN);
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
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_./-]*")) {
            throw new IllegalArgumentException("reward name '" + name + "' must be letters, digits, _ . / -");
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
        BiFunction<RewardMode, RewardOptions, RewardFunction> f = FACTORIES.get(name);
        RewardFunction r;
        if (f != null) {
            r = f.apply(mode, options);
        } else if (name.indexOf('.') > 0) {
            r = RewardClasses.instantiate(name, mode, options);
        } else {
            throw new IllegalArgumentException("unknown reward '" + name + "'; known: " + String.join(", ", names())
                    + " (or a class name, or a RewardProvider on the class path)");
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
        for (String item : spec.split(",")) {
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
