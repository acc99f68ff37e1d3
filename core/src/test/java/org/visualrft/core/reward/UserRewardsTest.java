package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** A user's reward joins the registry by ServiceLoader or by class name, and scores like a built-in one. */
class UserRewardsTest {
    /** Found through META-INF/services in the test resources. */
    public static final class ShortAnswerProvider implements RewardProvider {
        @Override
        public String name() {
            return "short_answer";
        }

        @Override
        public RewardFunction create(RewardMode mode, RewardOptions options) {
            return new RewardFunction() {
                @Override
                public String name() {
                    return "short_answer";
                }

                @Override
                public double score(String completion, RewardSample sample) {
                    return completion.length() <= 20 ? 1.0 : 0.0;
                }
            };
        }
    }

    /** Named by its class; takes the mode so the test can see it was passed. */
    public static final class ModeEcho implements RewardFunction {
        private final RewardMode mode;

        public ModeEcho(RewardMode mode, RewardOptions options) {
            this.mode = mode;
        }

        @Override
        public String name() {
            return "mode_echo";
        }

        @Override
        public double score(String completion, RewardSample sample) {
            return mode == RewardMode.STRICT ? 1.0 : 0.5;
        }
    }

    /** Not a reward at all. */
    public static final class NotAReward {
    }

    @Test
    void serviceLoaderProviderIsUsableInASpecWithWeights() {
        assertTrue(RewardRegistry.names().contains("short_answer"));
        assertEquals(RewardRegistry.names().subList(0, 3), java.util.List.of("format", "iou", "confidence"));
        RewardSet set = RewardRegistry.set("format,short_answer:0.5", RewardMode.STRICT, RewardOptions.DEFAULT);
        RewardBreakdown b = set.score("<think>x</think><answer>y</answer>", RewardSample.of("<answer>y</answer>"));
        assertEquals(0.0, b.values().get("short_answer")); // 34 characters
        RewardBreakdown shortOne = set.score("<answer>y</answer>", RewardSample.of("<answer>y</answer>"));
        assertEquals(1.0, shortOne.values().get("short_answer"));
        assertEquals(shortOne.values().get("format") + 0.5, shortOne.total());
    }

    @Test
    void classNameIsAName() {
        String name = ModeEcho.class.getName();
        assertEquals(1.0, RewardRegistry.create(name, RewardMode.STRICT, RewardOptions.DEFAULT)
                .score("", RewardSample.of("")));
        assertEquals(0.5, RewardRegistry.create(name, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT)
                .score("", RewardSample.of("")));
        assertEquals("short_answer", RewardRegistry.create(ShortAnswerProvider.class.getName(), RewardMode.STRICT,
                RewardOptions.DEFAULT).name());
    }

    @Test
    void clearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create("com.example.Missing", RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("no such class"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create(NotAReward.class.getName(), RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("implements neither"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> RewardRegistry.create("nosuch", RewardMode.STRICT, RewardOptions.DEFAULT));
        assertTrue(e.getMessage().contains("short_answer"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("iou", (m, o) -> null));
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("bad name", (m, o) -> null));
    }
}
