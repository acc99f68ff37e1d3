import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.visualrft.core.data.CocoNegatives;
import org.visualrft.core.data.KShotSplit;
import org.visualrft.core.eval.coco.CocoAnnotation;
import org.visualrft.core.eval.coco.CocoCategory;
import org.visualrft.core.eval.coco.CocoGroundTruth;
import org.visualrft.core.eval.coco.CocoImage;
import org.visualrft.core.prompt.VisualRftPrompts;

/**
 * build-dataset's negatives on a COCO-shaped ground truth (80 categories, ~7 boxes of ~3 categories per image):
 * every candidate built, then drawn by KShotSplit (the way before), against CocoNegatives.draw (drawn first, only the
 * chosen built). Prints wall time and bytes allocated by this thread for each, per image count; the first path is
 * skipped above MAX_BEFORE images (COCO train2017's 118,287 images give ~9M candidates, several GB of samples).
 * Usage: java -cp ... NegativesBench.java [IMAGES,IMAGES,...] [MAX_BEFORE]   (default 5000,20000,118287 and 20000)
 */
public class NegativesBench {
    public static void main(String[] args) {
        String[] sizes = (args.length > 0 ? args[0] : "5000,20000,118287").split(",");
        int maxBefore = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        Function<String, String> prompt = c -> VisualRftPrompts.detection(c, true);
        System.out.println("| images | candidates | path | wall ms (min of 3) | MB allocated |");
        System.out.println("| ---: | ---: | --- | ---: | ---: |");
        for (String s : sizes) {
            int n = Integer.parseInt(s.trim());
            CocoGroundTruth gt = coco(n);
            Set<Long> all = new HashSet<>();
            gt.categories().forEach(c -> all.add(c.id()));
            long candidates = CocoNegatives.draw(gt, all, Path.of("/i"), prompt, 1, 1, "gt").manifest().poolSize();
            if (n <= maxBefore) {
                measure(n, candidates, "build all, then KShotSplit", () -> KShotSplit.build(
                        CocoNegatives.candidates(gt, all, Path.of("/i"), prompt), x -> x.columns().get("label"), 2, 1,
                        "gt").samples().size());
            }
            measure(n, candidates, "CocoNegatives.draw", () -> CocoNegatives.draw(gt, all, Path.of("/i"), prompt, 2, 1,
                    "gt").samples().size());
        }
    }

    private static void measure(int images, long candidates, String path, java.util.function.IntSupplier run) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long bytes = 0;
        for (int round = 0; round < 3; round++) {
            long b0 = mx.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            int chosen = run.getAsInt();
            best = Math.min(best, System.nanoTime() - t0);
            bytes = mx.getCurrentThreadAllocatedBytes() - b0;
            if (chosen != 160) {
                throw new IllegalStateException("expected 2 negatives for each of 80 categories, got " + chosen);
            }
        }
        System.out.printf(Locale.ROOT, "| %,d | %,d | %s | %.1f | %.1f |%n", images, candidates, path, best / 1e6,
                bytes / 1e6);
    }

    /** {@code n} images, 80 categories, 7 boxes per image over 3 categories, seeded. */
    private static CocoGroundTruth coco(int n) {
        SplittableRandom r = new SplittableRandom(7);
        List<CocoImage> images = new ArrayList<>();
        List<CocoAnnotation> anns = new ArrayList<>();
        List<CocoCategory> cats = new ArrayList<>();
        for (int c = 1; c <= 80; c++) {
            cats.add(new CocoCategory(c, "category " + c, null));
        }
        long annId = 1;
        for (int i = 1; i <= n; i++) {
            images.add(new CocoImage(i, 640, 480, "%012d.jpg".formatted(i), null, null, null));
            int[] present = {1 + r.nextInt(80), 1 + r.nextInt(80), 1 + r.nextInt(80)};
            for (int b = 0; b < 7; b++) {
                anns.add(new CocoAnnotation(annId++, i, present[b % 3], 10, 10, 50, 50, 2500, false, false));
            }
        }
        return new CocoGroundTruth(images, cats, anns);
    }
}
