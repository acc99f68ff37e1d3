package org.visualrft.core.reward;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Mutates model completions the way broken generations and adversarial text look: tag and bracket fragments,
 * Python-special whitespace and digits, non-finite literals, huge numbers, deletions, duplications, truncation.
 * Deterministic by seed. Shared by the fuzz test and the fuzz bench.
 */
public final class CompletionMutator {
    static final String[] FRAGMENTS = {"<answer>", "</answer>", "<think>", "</think>", "[", "]", "[[", "]]", "{", "}",
        "},", "'", "\"", ",", ":", "'Position'", "'Confidence'", "No Objects", "NaN", "Infinity", "-Infinity", "true",
        "null", "1e400", "9".repeat(30), "1".repeat(4301), "-0", "0.5", "1.5", "-3", "(", ")", "(1,2),(3,4)",
        "\n", "\r", "\u2028", "\u0085", "\u00a0", "\u001c", "\u200b", "\ufeff", "\u0661\u0662", "\uff15", "\ud83d\ude00",
        "\ud800", "\u0130", "\u212a", "_", " or ", ", ...", "\\u0041", "\\", " ", "\t", "[" .repeat(40)};

    private final SplittableRandom random;
    private final List<String> seeds;

    public CompletionMutator(long seed, List<String> seeds) {
        this.random = new SplittableRandom(seed);
        this.seeds = List.copyOf(seeds);
    }

    /** The next mutated completion: a seed with 1–4 random edits. */
    public String next() {
        StringBuilder s = new StringBuilder(seeds.get(random.nextInt(seeds.size())));
        int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = s.length() == 0 ? 0 : random.nextInt(s.length() + 1);
            switch (random.nextInt(6)) {
                case 0, 1 -> s.insert(at, FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                case 2 -> {
                    int end = Math.min(s.length(), at + 1 + random.nextInt(8));
                    s.delete(at, end);
                }
                case 3 -> s.setLength(at);
                case 4 -> {
                    int end = Math.min(s.length(), at + random.nextInt(40));
                    s.insert(at, s.substring(at, end));
                }
                default -> {
                    if (at < s.length()) {
                        s.setCharAt(at, (char) random.nextInt(0x3100));
                    }
                }
            }
        }
        return s.toString();
    }
}
