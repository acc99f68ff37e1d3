package org.visualrft.core.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.visualrft.core.BadInputException;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;

/**
 * The category selections of the paper (docs/original-code.md, "Category selections"), by name, and their resolution to the ids of a ground truth.
 * The COCO open-vocabulary split is the 65/15 zero-shot-detection split: 15 novel categories, base = the other 65.
 */
public final class CategorySplits {
    /** COCO's 80 category names in id order (ids 1..90 with gaps). */
    public static final List<String> COCO_80 = List.of(
            "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
            "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
            "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
            "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
            "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
            "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
            "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
            "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
            "teddy bear", "hair drier", "toothbrush");

    /** The 8 categories of the few-shot COCO experiments (Table 3). */
    public static final List<String> COCO_FEW_SHOT_8 = List.of(
            "bus", "train", "fire hydrant", "stop sign", "cat", "dog", "bed", "toilet");

    /** The 15 novel categories of open-vocabulary COCO (Table 7). */
    public static final List<String> COCO_NOVEL_15 = List.of(
            "mouse", "fork", "hot dog", "cat", "airplane", "suitcase", "parking meter", "sandwich", "train",
            "hair drier", "toilet", "toaster", "snowboard", "frisbee", "bear");

    /** The 65 base categories: COCO's 80 less the 15 novel, in COCO order. */
    public static final List<String> COCO_BASE_65 = COCO_80.stream().filter(c -> !COCO_NOVEL_15.contains(c)).toList();

    /** The 6 rare LVIS categories of the few-shot experiments (Table 4). */
    public static final List<String> LVIS_FEW_SHOT_RARE_6 = List.of(
            "horse_buggy", "die", "kitchen_table", "omelet", "papaya", "stepladder");

    /** The 13 rare LVIS categories of open-vocabulary LVIS (Table 8). */
    public static final List<String> LVIS_OPEN_VOCAB_RARE_13 = List.of(
            "casserole", "die", "egg_roll", "futon", "garbage", "handsaw", "hippopotamus", "kitchen_table", "mallet",
            "omelet", "shot_glass", "stepladder", "sugar_bowl");

    /** The named selections, for command-line use. */
    public static final Map<String, List<String>> NAMED = Map.of(
            "coco-few-shot-8", COCO_FEW_SHOT_8,
            "coco-novel-15", COCO_NOVEL_15,
            "coco-base-65", COCO_BASE_65,
            "coco-all-80", COCO_80,
            "lvis-few-shot-6", LVIS_FEW_SHOT_RARE_6,
            "lvis-open-vocab-13", LVIS_OPEN_VOCAB_RARE_13);

    private CategorySplits() {
    }

    /** The ids of {@code names} in {@code gt}, in the order of {@code names}; a missing name is bad input. */
    public static List<Long> resolve(CocoGroundTruth gt, List<String> names, String gtName) {
        Map<String, Long> byName = new HashMap<>();
        for (CocoCategory c : gt.categories()) {
            if (c.name() != null) {
                byName.put(c.name(), c.id());
            }
        }
        List<Long> ids = new ArrayList<>();
        for (String n : names) {
            Long id = byName.get(n);
            if (id == null) {
                throw new BadInputException(gtName, "has no category named \"" + n + "\"");
            }
            ids.add(id);
        }
        return ids;
    }
}
