package org.visualrft.train;

import java.util.Map;
import org.visualrft.model.policy.Policy;

/**
 * Evaluation run inside training every {@code eval_steps}; its numbers go to metrics.jsonl with an {@code eval/}
 * prefix.
 */
@FunctionalInterface
public interface InLoopEval {
    Map<String, Double> evaluate(Policy policy);

    /** The names {@link #evaluate} reports, known before it runs; null: not known in advance. */
    default java.util.Set<String> metricNames() {
        return null;
    }
}
