package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.core.reward.RewardOptions;

/** The reward mode is checked alike for a config's reward functions and the evaluate command's {@code --rewards}. */
class RewarderTest {
    @Test
    void anUnknownRewardModeIsOneFaultOfTheSourceWhicheverWayTheFunctionsAreNamed() {
        String fault = "reward_mode must be visual-rft or strict, got 'lenient'";
        for (BadInputException e : List.of(
                assertThrows(BadInputException.class, () -> Rewarder.of(List.of(), List.of(), "lenient", "grpo.yaml")),
                assertThrows(BadInputException.class,
                        () -> Rewarder.of(List.of("format"), List.of(1.0), "lenient", "grpo.yaml")))) {
            assertEquals("grpo.yaml", e.source());
            assertEquals(fault, e.fault());
        }
        for (String spec : new String[] {null, "iou_hungarian,format:0.5"}) {
            BadInputException e = assertThrows(BadInputException.class,
                    () -> Rewarder.ofSpec(spec, "lenient", "--rewards", RewardOptions.DEFAULT));
            assertEquals("--rewards", e.source());
            assertEquals(fault, e.fault());
        }
    }

    /** A reward named twice in reward_funcs is a fault of the config (it was an IllegalArgumentException: exit 1). */
    @Test
    void aRewardNamedTwiceIsAFaultOfTheSource() {
        BadInputException e = assertThrows(BadInputException.class,
                () -> Rewarder.of(List.of("format", "accuracy", "format"), List.of(1.0, 1.0, 1.0), "strict", "g.yaml"));
        assertEquals("g.yaml", e.source());
        assertEquals("reward_funcs: reward listed twice: format", e.fault());
        BadInputException spec = assertThrows(BadInputException.class,
                () -> Rewarder.ofSpec("format,format:0.5", "strict", "--rewards", RewardOptions.DEFAULT));
        assertEquals("--rewards", spec.source());
    }

    @Test
    void bothModesNameTheirFunctions() {
        for (String mode : new String[] {"strict", "visual-rft"}) {
            assertEquals(List.of("format", "iou_hungarian"),
                    Rewarder.ofSpec("format,iou_hungarian:0.5", mode, "--rewards", RewardOptions.DEFAULT).names());
            assertEquals(List.of("format"), Rewarder.of(List.of("format"), List.of(1.0), mode, "grpo.yaml").names());
        }
    }
}
