package org.visualrft.app.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.visualrft.app.report.RunRecord;
import org.visualrft.core.BadInputException;

class DemoPlanTest {
    @Test
    void overridesChangeOnlyWhatIsGivenAndMarkThePlanCustom() {
        DemoPlan full = DemoPlan.full(1, 2);
        DemoPlan same = full.withOverrides(null, null, null, null, null, null, null, null);
        assertEquals("full", same.mode());
        assertEquals(full, same);
        DemoPlan custom = full.withOverrides(5, 80, 1e-4, 2e-4, 0.1, 4, false, List.of("ground"));
        assertEquals("full+custom", custom.mode());
        assertEquals(5, custom.draws());
        assertEquals(80, custom.sftSteps());
        assertEquals(80, custom.grpoSteps());
        assertEquals(1e-4, custom.sftLr());
        assertEquals(2e-4, custom.grpoLr());
        assertEquals(0.1, custom.beta());
        assertEquals(4, custom.generations());
        assertEquals(false, custom.cotAblation());
        assertEquals(full.evalSizes(), custom.evalSizes());
    }

    @Test
    void dynamicSamplingIsAnExperimentAndMarksThePlanCustomOnce() {
        // `demo --dynamic-sampling` changes GRPO, so its numbers are not the preset's (it used to say mode "full")
        assertEquals("full", DemoPlan.full(1, 2).withDynamicSampling(false).mode());
        DemoPlan dynamic = DemoPlan.full(1, 2).withDynamicSampling(true);
        assertEquals("full+custom", dynamic.mode());
        assertTrue(dynamic.dynamicSampling());
        assertEquals("quick+custom", DemoPlan.quick(1, 1).withDynamicSampling(true)
                .withOverrides(2, null, null, null, null, null, null, null).mode());
    }

    @Test
    void settingsFilterKeepsTableOrderAndRefusesUnknownIds() {
        DemoPlan only = DemoPlan.full(1, 1).withOverrides(null, null, null, null, null, null, null,
                List.of("ground", "cls-2shot"));
        assertEquals(List.of("cls-2shot", "ground"), Setting.all(only).stream().map(Setting::id).toList());
        DemoPlan bad = DemoPlan.full(1, 1).withOverrides(null, null, null, null, null, null, null, List.of("cls-3shot"));
        BadInputException e = assertThrows(BadInputException.class, () -> Setting.all(bad));
        assertTrue(e.getMessage().contains("cls-3shot"), e.getMessage());
    }

    @Test
    void findingsPairRunsByDraw() {
        DemoPlan plan = DemoPlan.full(1, 1).withOverrides(null, null, null, null, null, null, null, List.of("ground"));
        Setting ground = Setting.all(plan).get(0);
        List<RunRecord> runs = List.of(run("sft", 0, 0.30), run("rft", 0, 0.34), run("sft", 1, 0.40),
                run("rft", 1, 0.39), run("sft", 2, 0.20), run("rft", 2, 0.25));
        String paired = Findings.paired(runs, ground, "ground_miou");
        assertEquals("; per draw +0.040, -0.010, +0.050: RFT ahead in 2 of 3", paired);
        assertEquals("", Findings.paired(runs.subList(0, 2), ground, "ground_miou"));
    }

    @Test
    void findingsSayWhetherAMethodGainedOrOnlyLostLess() {
        var sft = org.visualrft.app.report.MeanSpread.of(0.45, 0.47);
        var rft = org.visualrft.app.report.MeanSpread.of(0.50, 0.51);
        String both = Findings.relativeToBase("ground", 0.55, sft, rft, true);
        assertTrue(both.contains("both fine-tunings ended below the base") && both.contains("lost less"), both);
        String up = Findings.relativeToBase("cls-4shot", 0.40, sft, rft, true);
        assertTrue(up.contains("both methods"), up);
        assertEquals("", Findings.relativeToBase("cls-4shot", 0.50, sft, rft, false));
    }

    private static RunRecord run(String method, int draw, double miou) {
        return new RunRecord("ground", method, true, draw, 1, 1, 1, Map.of("ground_miou", miou), Map.of());
    }
}
