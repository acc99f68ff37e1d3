package org.visualrft.app.report;

import java.util.Map;

/**
 * One fine-tuning run of the demo and its evaluation.
 *
 * @param setting       e.g. {@code cls-2shot}, {@code det-2shot}, {@code ov}, {@code ground}
 * @param method        {@code sft} or {@code rft}
 * @param cot           whether prompts and targets used chain of thought
 * @param draw          which k-shot draw (0, 1, 2, …)
 * @param steps         optimiser steps taken
 * @param trainExamples number of distinct training examples in the draw
 * @param seconds       wall time of training and evaluation
 * @param scores        evaluation scores by metric key (see {@code docs/demo.md})
 * @param training      training diagnostics by key (reward_first, reward_last, kl_last, zero_std_share, …)
 */
public record RunRecord(String setting, String method, boolean cot, int draw, int steps, int trainExamples,
        double seconds, Map<String, Double> scores, Map<String, Double> training) {
    public RunRecord {
        scores = Map.copyOf(scores);
        training = Map.copyOf(training);
    }
}
