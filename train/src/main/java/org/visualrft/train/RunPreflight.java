package org.visualrft.train;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Policy;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.sft.SftTrainer;
import org.visualrft.train.config.SftConfig;

/**
 * What can be checked about a run before its first step, once data and model are loaded and before anything is
 * written: every prompt fits the model's context (and GRPO's max_prompt_length), and every SFT target fits
 * max_length and the context. A fault names
 * the dataset record; a length budget larger than the model can hold is noted, not fatal (generation ends at the
 * end of the context).
 */
final class RunPreflight {
    private RunPreflight() {
    }

    /** The records that passed and how many were skipped (prompt over max_prompt_length with skip_bad_rows). */
    record Checked(List<TrainingExample> examples, int skipped) {
    }

    /** GRPO: every prompt leaves room to generate; notes when completions will end before max_completion_length. */
    static void grpo(String kind, Policy policy, List<TrainingExample> data, String dataName, int maxCompletion,
            PrintStream console) {
        grpo(kind, policy, data, dataName, maxCompletion, null, false, console);
    }

    /**
     * As above, and every prompt (image tokens included) within {@code maxPrompt} positions (null: no limit): a longer
     * one is an error naming its record, or with {@code skipBadRows} left out, counted and noted on the console.
     */
    static Checked grpo(String kind, Policy policy, List<TrainingExample> data, String dataName, int maxCompletion,
            Integer maxPrompt, boolean skipBadRows, PrintStream console) {
        int ctx = policy.contextLength();
        List<TrainingExample> kept = new ArrayList<>(data.size());
        int longest = 0;
        for (TrainingExample ex : data) {
            int n = promptLength(policy, ex, dataName, ctx);
            if (maxPrompt != null && n > maxPrompt) {
                if (!skipBadRows) {
                    throw new BadInputException(dataName + " record " + ex.id(), "prompt takes " + n + " positions"
                            + " (image tokens included), max_prompt_length is " + maxPrompt + " (prompts are never cut;"
                            + " raise it, lower the model's max_pixels, or set skip_bad_rows: true to skip such records)");
                }
                continue;
            }
            kept.add(ex);
            longest = Math.max(longest, n);
        }
        int skipped = data.size() - kept.size();
        if (kept.isEmpty()) {
            throw new BadInputException(dataName, "every record's prompt is longer than max_prompt_length " + maxPrompt
                    + " (" + skipped + " skipped)");
        }
        if (skipped > 0) {
            console.println(kind + ": skipped " + skipped + " of " + data.size() + " records of " + dataName
                    + " whose prompt is longer than max_prompt_length " + maxPrompt + " (skip_bad_rows)");
        }
        if (ctx != Integer.MAX_VALUE && longest + maxCompletion > ctx) {
            console.println(kind + ": note: the model holds " + ctx + " positions (max_position_embeddings) and the"
                    + " longest prompt in " + dataName + " takes " + longest + ", so completions end after at most "
                    + (ctx - longest) + " tokens ("
                    + (kind.equals("evaluate") ? "--max-new-tokens " : kind.equals("sft")
                            ? "max_length, the evaluation's answer budget " : "max_completion_length ")
                    + maxCompletion + ")");
        }
        return new Checked(skipped == 0 ? data : List.copyOf(kept), skipped);
    }

    /**
     * SFT: every record has a target (a solution; with with_thinking a thinking text), it fits max_length, and prompt
     * plus target (with EOS) fit the context. A record that fails is an error naming it, or with {@code skipBadRows}
     * left out, counted and noted on the console, as GRPO's over-long prompts are.
     */
    static Checked sft(Policy policy, List<TrainingExample> data, String dataName, SftConfig cfg, boolean skipBadRows,
            PrintStream console) {
        int ctx = policy.contextLength();
        List<TrainingExample> kept = new ArrayList<>(data.size());
        for (TrainingExample ex : data) {
            String fault = targetFault(policy, ex, dataName, cfg, ctx);
            if (fault == null) {
                kept.add(ex);
            } else if (!skipBadRows) {
                throw new BadInputException(dataName + " record " + ex.id(), fault);
            }
        }
        int skipped = data.size() - kept.size();
        if (kept.isEmpty()) {
            throw new BadInputException(dataName, "no record has a target the run can train on (" + skipped
                    + " skipped: over max_length or the model's positions, or no solution or thinking)");
        }
        if (skipped > 0) {
            console.println("sft: skipped " + skipped + " of " + data.size() + " records of " + dataName
                    + " without a target that fits (skip_bad_rows)");
        }
        return new Checked(skipped == 0 ? data : List.copyOf(kept), skipped);
    }

    /** Why {@code ex} has no SFT target that fits, or null when it has one. */
    private static String targetFault(Policy policy, TrainingExample ex, String dataName, SftConfig cfg, int ctx) {
        String text;
        try {
            text = SftTrainer.target(ex, cfg.sftTarget());
        } catch (BadInputException e) {
            return e.fault();
        }
        int target = policy.encode(text).length + 1;
        if (target > cfg.maxLength()) {
            return "target is " + target + " tokens, max_length is " + cfg.maxLength() + " (targets are never cut)";
        }
        int prompt = promptLength(policy, ex, dataName, ctx);
        if (ctx != Integer.MAX_VALUE && (long) prompt + target > ctx) {
            return "prompt (" + prompt + " positions) and target (" + target + " tokens) exceed the model's " + ctx
                    + " positions (max_position_embeddings)";
        }
        return null;
    }

    /** The longest prompt in positions; a prompt that leaves no room to generate is an error naming its record. */
    /**
     * The record's prompt length in positions; an image the model cannot take (smaller than a patch, too elongated)
     * and a prompt that leaves no room to generate are errors naming the record.
     */
    private static int promptLength(Policy policy, TrainingExample ex, String dataName, int ctx) {
        int n;
        try {
            n = policy.promptLength(ex.prompt());
        } catch (IllegalArgumentException e) {
            throw new BadInputException(dataName + " record " + ex.id(), e.getMessage(), e);
        }
        if (n >= ctx) {
            throw new BadInputException(dataName + " record " + ex.id(), "prompt takes " + n + " positions but the"
                    + " model holds " + ctx + " (max_position_embeddings): nothing left to generate");
        }
        return n;
    }
}
