package org.visualrft.app.report;

/**
 * The base model on one target set: greedy pass@1, sampled pass@1 (mean over the k samples) and pass@k (at least one
 * of k samples correct), plus the share of items whose k sampled rewards are all equal (GRPO gets no gradient there).
 */
public record PassAtK(String target, int n, int k, double pass1Greedy, double pass1Sampled, double passK,
        double zeroVarianceShare) {
}
