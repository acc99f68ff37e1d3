package org.visualrft.core.eval.coco;

import java.util.List;
import org.visualrft.core.eval.AreaRange;
import org.visualrft.core.eval.Linspace;

/**
 * COCOeval's bbox parameters. {@link #defaults()} are pycocotools' defaults, which every published number uses:
 * IoU 0.50:0.05:0.95, 101 recall points, maxDets 1/10/100, areas all/small/medium/large.
 */
public record CocoEvalParams(double[] iouThresholds, double[] recallThresholds, int[] maxDets,
        List<AreaRange> areaRanges) {

    public CocoEvalParams {
        if (maxDets.length != 3) {
            throw new IllegalArgumentException("the 12-number summary needs exactly 3 maxDets values");
        }
        maxDets = maxDets.clone();
        java.util.Arrays.sort(maxDets); // pycocotools sorts them too
        if (areaRanges.isEmpty() || !areaRanges.get(0).label().equals("all")) {
            throw new IllegalArgumentException("the first area range must be \"all\"");
        }
        areaRanges = List.copyOf(areaRanges);
    }

    public static CocoEvalParams defaults() {
        return new CocoEvalParams(Linspace.cocoIouThresholds(), Linspace.cocoRecallThresholds(),
                new int[] {1, 10, 100}, AreaRange.COCO);
    }

    /** The largest maxDets: detections per image and category that take part in matching. */
    public int maxDetsLast() {
        return maxDets[maxDets.length - 1];
    }
}
