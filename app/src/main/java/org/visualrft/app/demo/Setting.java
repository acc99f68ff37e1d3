package org.visualrft.app.demo;

import java.util.List;
import org.visualrft.core.BadInputException;
import org.visualrft.core.world.KShotDraws;
import org.visualrft.core.world.TaskKind;
import org.visualrft.core.world.WorldRoles;
import org.visualrft.core.world.WorldSample;

/**
 * One row group of the paper's tables: what is trained on (a k-shot draw), which held-out set is the target and which
 * sets measure the other skills (forgetting).
 *
 * @param id        e.g. {@code cls-2shot}
 * @param label     row label prefix, e.g. {@code 2-shot}
 * @param kind      the task trained
 * @param shots     shots (per class or category; scenes for grounding)
 * @param targets   the sets the table reports
 * @param others    the sets of skills not trained on (their primary metrics average to "other skills")
 */
public record Setting(String id, String label, TaskKind kind, int shots, List<EvalSet> targets, List<EvalSet> others) {
    public Setting {
        targets = List.copyOf(targets);
        others = List.copyOf(others);
    }

    /** Every setting of a plan, in table order. */
    public static List<Setting> all(DemoPlan plan) {
        List<Setting> out = new java.util.ArrayList<>();
        for (int k : plan.clsShots()) {
            out.add(new Setting("cls-" + k + "shot", k + "-shot", TaskKind.CLASSIFICATION, k,
                    List.of(EvalSet.CLS_HARD), List.of(EvalSet.CLS_OTHER, EvalSet.DET_BASE, EvalSet.GROUND)));
        }
        out.add(new Setting("det-" + plan.detShots() + "shot", plan.detShots() + "-shot", TaskKind.DETECTION,
                plan.detShots(), List.of(EvalSet.DET_FEWSHOT), List.of(EvalSet.CLS_OTHER, EvalSet.DET_BASE,
                        EvalSet.GROUND)));
        out.add(new Setting("ov", plan.ovShots() + "-shot base categories", TaskKind.DETECTION, plan.ovShots(),
                List.of(EvalSet.DET_NOVEL, EvalSet.DET_BASE), List.of(EvalSet.CLS_OTHER, EvalSet.GROUND)));
        out.add(new Setting("ground", plan.groundShots() + " scenes", TaskKind.GROUNDING, plan.groundShots(),
                List.of(EvalSet.GROUND), List.of(EvalSet.CLS_OTHER, EvalSet.DET_BASE)));
        if (plan.only().isEmpty()) {
            return out;
        }
        List<String> ids = out.stream().map(Setting::id).toList();
        for (String id : plan.only()) {
            if (!ids.contains(id)) {
                throw new BadInputException("--settings", "unknown setting '" + id + "'; known: "
                        + String.join(", ", ids));
            }
        }
        return out.stream().filter(s -> plan.only().contains(s.id())).toList();
    }

    /** The training examples of one draw. */
    public List<WorldSample> trainingSet(KShotDraws draws, long drawSeed) {
        return switch (kind) {
            case CLASSIFICATION -> draws.classification(shots, drawSeed);
            case DETECTION -> id.equals("ov")
                    ? draws.detection(WorldRoles.BASE_DETECTION, shots, 1, drawSeed, "shot-ov")
                    : draws.detection(WorldRoles.FEW_SHOT_DETECTION, shots, shots, drawSeed, "shot-det");
            case GROUNDING -> draws.grounding(shots, drawSeed);
        };
    }

    /** The primary metric key of a set: accuracy, COCO mAP or mean IoU. */
    public static String primary(EvalSet e) {
        return e.key() + switch (e.kind()) {
            case CLASSIFICATION -> "_acc";
            case DETECTION -> "_map";
            case GROUNDING -> "_miou";
        };
    }

    /** Mean of the primary metrics of the other-skill sets in {@code scores}. */
    public double otherSkills(java.util.Map<String, Double> scores) {
        return others.stream().mapToDouble(e -> scores.getOrDefault(primary(e), Double.NaN)).average().orElse(Double.NaN);
    }
}
