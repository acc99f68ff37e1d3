package org.visualrft.app.demo;

import java.util.List;
import org.visualrft.core.world.HeldOutSets;
import org.visualrft.core.world.TaskKind;
import org.visualrft.core.world.WorldSample;

/** The held-out sets by name, the prefix of their metric keys. */
public enum EvalSet {
    CLS_HARD("cls_hard"),
    CLS_OTHER("cls_other"),
    DET_FEWSHOT("det_fewshot"),
    DET_BASE("det_base"),
    DET_NOVEL("det_novel"),
    GROUND("ground");

    private final String key;

    EvalSet(String key) {
        this.key = key;
    }

    public String key() {
        return key;
    }

    public List<WorldSample> of(HeldOutSets sets) {
        return switch (this) {
            case CLS_HARD -> sets.hardClassification();
            case CLS_OTHER -> sets.otherClassification();
            case DET_FEWSHOT -> sets.fewShotDetection();
            case DET_BASE -> sets.baseDetection();
            case DET_NOVEL -> sets.novelDetection();
            case GROUND -> sets.grounding();
        };
    }

    public TaskKind kind() {
        return switch (this) {
            case CLS_HARD, CLS_OTHER -> TaskKind.CLASSIFICATION;
            case DET_FEWSHOT, DET_BASE, DET_NOVEL -> TaskKind.DETECTION;
            case GROUND -> TaskKind.GROUNDING;
        };
    }
}
