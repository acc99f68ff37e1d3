package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every case of the independent oracle (the original Python reward code) in visual-rft mode, within 1e-9. */
class VisualRftFixtureTest {
    @Test
    void everyFixtureCaseMatchesTheOriginal() throws Exception {
        List<RewardFixtures.Case> cases = RewardFixtures.load();
        assertEquals(331, cases.size(), "fixture count");
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (RewardFixtures.Case c : cases) {
            Task task = Task.parseOrNull(c.task());
            RewardSet set = RewardRegistry.defaults(task, RewardMode.VISUAL_RFT, RewardOptions.DEFAULT);
            RewardBreakdown r = set.score(c.completion(), RewardSample.of(c.solution()));
            assertEquals(c.expected().keySet(), r.values().keySet(), c.id() + ": reward names");
            for (Map.Entry<String, Double> e : c.expected().entrySet()) {
                double actual = r.values().get(e.getKey());
                checked++;
                if (!(Math.abs(actual - e.getValue()) <= 1e-9)) {
                    failures.add(c.id() + " " + e.getKey() + ": expected " + e.getValue() + " got " + actual);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " values differ:\n"
                + String.join("\n", failures));
    }
}
