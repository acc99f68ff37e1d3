package org.visualrft.core.world;

import java.util.List;
import java.util.function.BiPredicate;

/**
 * The kinds of referring expression a grounding example uses. Relations to an anchor count an item only when it is
 * entirely on that side of the anchor (no overlap along that axis), so "to the left of" is never ambiguous to the eye.
 */
public enum GroundingRelation {
    LEFT_OF("the item to the left of the %s", (t, a) -> t.x2() <= a.x1()),
    RIGHT_OF("the item to the right of the %s", (t, a) -> t.x1() >= a.x2()),
    ABOVE("the item above the %s", (t, a) -> t.y2() <= a.y1()),
    BELOW("the item below the %s", (t, a) -> t.y1() >= a.y2()),
    LARGEST("the largest item", null),
    SMALLEST("the smallest item", null),
    NAMED("the %s", null);

    /** A size relation needs the chosen item's area to differ from every other by this factor. */
    static final double SIZE_MARGIN = 1.3;

    private final String template;
    private final BiPredicate<PixelBox, PixelBox> sideTest;

    GroundingRelation(String template, BiPredicate<PixelBox, PixelBox> sideTest) {
        this.template = template;
        this.sideTest = sideTest;
    }

    /** The instruction text; {@code cls} names the anchor (relations) or the item itself ({@link #NAMED}). */
    public String instruction(FashionClass cls) {
        if (!template.contains("%s")) {
            return template;
        }
        return String.format(template, cls == null ? HOLE : cls.displayName());
    }

    /** What {@link #instruction} writes for the class when given null (to split templates into fixed pieces). */
    static final String HOLE = "\u0000";

    /** Whether this relation refers to another item (an anchor). */
    public boolean hasAnchor() {
        return sideTest != null;
    }

    /** For an anchored relation: whether {@code target} lies on this side of {@code anchor}. */
    boolean holds(PixelBox target, PixelBox anchor) {
        return sideTest.test(target, anchor);
    }

    /** Every instruction that picks out exactly one item of the scene, with that item. */
    public static List<Grounding> unambiguous(List<PlacedItem> items) {
        List<Grounding> out = new java.util.ArrayList<>();
        for (PlacedItem anchor : items) {
            boolean uniqueClass = items.stream().filter(i -> i.cls() == anchor.cls()).count() == 1;
            if (!uniqueClass) {
                continue;
            }
            out.add(new Grounding(NAMED, NAMED.instruction(anchor.cls()), anchor));
            for (GroundingRelation r : values()) {
                if (!r.hasAnchor()) {
                    continue;
                }
                List<PlacedItem> hits = items.stream()
                        .filter(t -> t != anchor && r.holds(t.box(), anchor.box())).toList();
                if (hits.size() == 1) {
                    out.add(new Grounding(r, r.instruction(anchor.cls()), hits.get(0)));
                }
            }
        }
        if (items.size() >= 2) {
            for (PlacedItem t : items) {
                boolean largest = items.stream().allMatch(o -> o == t || t.box().area() >= SIZE_MARGIN * o.box().area());
                boolean smallest = items.stream().allMatch(o -> o == t || o.box().area() >= SIZE_MARGIN * t.box().area());
                if (largest) {
                    out.add(new Grounding(LARGEST, LARGEST.instruction(t.cls()), t));
                }
                if (smallest) {
                    out.add(new Grounding(SMALLEST, SMALLEST.instruction(t.cls()), t));
                }
            }
        }
        return out;
    }

    /** An instruction and the one item it refers to. */
    public record Grounding(GroundingRelation relation, String instruction, PlacedItem target) {
    }
}
