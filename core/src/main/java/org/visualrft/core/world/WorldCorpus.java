package org.visualrft.core.world;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Every kind of text the world writes, for building the built-in model's tokenizer: questions, ground-truth solutions
 * and SFT completions of all three tasks, with and without chain of thought, for every class, count word, relation
 * and box coordinate that can occur. Deterministic.
 */
public final class WorldCorpus {
    private WorldCorpus() {
    }

    /**
     * Example texts: for each example its question, its solution and both completions (CoT and no-CoT). The examples
     * cover every class as classification label, detection query (positive and negative) and grounding target.
     */
    public static List<String> texts() {
        WorldSampler world = WorldSampler.shipped(FashionSplit.TRAIN);
        SplittableRandom rng = new SplittableRandom(20250301L);
        List<WorldSample> samples = new ArrayList<>();
        for (FashionClass c : FashionClass.values()) {
            samples.add(world.classification().of("corpus-cls-" + c.label(), world.items().indicesOf(c).get(0)));
            samples.add(world.detection().of("corpus-det-pos-" + c.label(), c, true, rng));
            samples.add(world.detection().of("corpus-det-neg-" + c.label(), c, false, rng));
        }
        for (int i = 0; i < 60; i++) {
            samples.add(world.grounding().sample("corpus-ground-" + i, rng));
        }
        Set<String> out = new LinkedHashSet<>();
        for (WorldSample s : samples) {
            out.add(WorldText.problem(s, true));
            out.add(WorldText.problem(s, false));
            out.add(WorldText.solution(s));
            out.add(WorldText.completion(s, true));
            out.add(WorldText.completion(s, false));
        }
        out.addAll(instructions());
        return List.copyOf(out);
    }

    /** Every grounding instruction the world can write. */
    public static List<String> instructions() {
        Set<String> out = new LinkedHashSet<>();
        for (GroundingRelation r : GroundingRelation.values()) {
            for (FashionClass c : FashionClass.values()) {
                out.add(r.instruction(c));
            }
        }
        return List.copyOf(out);
    }

    /**
     * The words that vary inside the fixed templates: class names, group words, count words, "No Objects", the target
     * confidence and every 0..1000 coordinate a 56-pixel canvas can produce (round(k·1000/56), k = 0..56).
     */
    public static List<String> variableWords() {
        Set<String> out = new LinkedHashSet<>(FashionClass.names());
        out.addAll(FashionClass.groups());
        out.addAll(WorldText.countWords());
        out.add(WorldText.NO_OBJECTS);
        out.add(WorldText.TARGET_CONFIDENCE);
        for (int k = 0; k <= Canvas.SIDE; k++) {
            out.add(Integer.toString((int) Math.round(k * 1000.0 / Canvas.SIDE)));
        }
        return List.copyOf(out);
    }

    /**
     * The fixed stretches of text between the variable words: whole question templates split at the category or
     * instruction, the instruction templates split at the class name, and the pieces of the grounding answer. A
     * tokenizer that keeps each as one piece turns a question into about five tokens.
     */
    public static List<String> fixedPieces() {
        String hole = "\u0000";
        Set<String> out = new LinkedHashSet<>();
        for (boolean cot : new boolean[] {true, false}) {
            out.add(WorldText.classificationProblem(cot));
            addSplit(out, WorldText.detectionProblem(hole, cot), hole);
            addSplit(out, WorldText.groundingProblem(hole, cot), hole);
        }
        for (GroundingRelation r : GroundingRelation.values()) {
            addSplit(out, r.instruction(null), GroundingRelation.HOLE);
        }
        out.addAll(FashionClass.names());
        out.addAll(List.of("),(", "(", ")", "<think> ", " </think>", "<answer> ", " </answer>"));
        return List.copyOf(out);
    }

    private static void addSplit(Set<String> out, String text, String hole) {
        for (String part : text.split(java.util.regex.Pattern.quote(hole), -1)) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
    }
}
