package org.visualrft.core.world;

import static org.visualrft.core.world.FashionClass.ANKLE_BOOT;
import static org.visualrft.core.world.FashionClass.BAG;
import static org.visualrft.core.world.FashionClass.COAT;
import static org.visualrft.core.world.FashionClass.DRESS;
import static org.visualrft.core.world.FashionClass.PULLOVER;
import static org.visualrft.core.world.FashionClass.SANDAL;
import static org.visualrft.core.world.FashionClass.SHIRT;
import static org.visualrft.core.world.FashionClass.SNEAKER;
import static org.visualrft.core.world.FashionClass.TOP;
import static org.visualrft.core.world.FashionClass.TROUSER;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What each class is for in the benchmark, mirroring the paper's settings:
 * <ul>
 *   <li>the hard group (Top, Pullover, Coat, Shirt) is the fine-grained classification target (Table 2); pretraining
 *       sees it at 0.15× the rate of the other classes so the base is only partly right on it;</li>
 *   <li>Sandal and Bag are the few-shot detection categories (Table 3); pretraining queries them at 0.05× (they appear
 *       freely as distractors);</li>
 *   <li>Trouser and Sneaker are the open-vocabulary novel categories (Table 7): pretraining never queries them in
 *       detection (it names them in classification), fine-tuning trains on the base categories only;</li>
 *   <li>the other six are the base detection categories.</li>
 * </ul>
 */
public final class WorldRoles {
    public static final Set<FashionClass> HARD_CLASSES = Collections.unmodifiableSet(EnumSet.of(TOP, PULLOVER, COAT, SHIRT));
    public static final Set<FashionClass> FEW_SHOT_DETECTION = Collections.unmodifiableSet(EnumSet.of(SANDAL, BAG));
    public static final Set<FashionClass> NOVEL_DETECTION = Collections.unmodifiableSet(EnumSet.of(TROUSER, SNEAKER));
    public static final Set<FashionClass> BASE_DETECTION =
            Collections.unmodifiableSet(EnumSet.of(TOP, PULLOVER, DRESS, COAT, SHIRT, ANKLE_BOOT));

    /** Pretraining rate of the hard classification group relative to the others. */
    public static final double HARD_CLASS_RATE = 0.15;
    /** Pretraining query rate of the few-shot detection categories relative to the base ones. */
    public static final double FEW_SHOT_QUERY_RATE = 0.05;
    /** Share of detection queries whose category is absent, in pretraining and in every evaluation set. */
    public static final double NEGATIVE_RATE = 0.4;

    private WorldRoles() {
    }

    /** The classes outside the hard group (classification forgetting is measured on them). */
    public static Set<FashionClass> otherClasses() {
        Set<FashionClass> s = EnumSet.allOf(FashionClass.class);
        s.removeAll(HARD_CLASSES);
        return Collections.unmodifiableSet(s);
    }

    /** Pretraining classification weights: the hard group under-sampled. */
    public static ClassWeights pretrainingClassification() {
        return ClassWeights.downweighted(HARD_CLASSES, HARD_CLASS_RATE);
    }

    /** Pretraining detection query weights: base 1, few-shot categories 0.05, novel categories never. */
    public static ClassWeights pretrainingDetectionQueries() {
        ClassWeights w = ClassWeights.uniform(BASE_DETECTION);
        for (FashionClass c : FEW_SHOT_DETECTION) {
            w = w.with(c, FEW_SHOT_QUERY_RATE);
        }
        return w;
    }
}
