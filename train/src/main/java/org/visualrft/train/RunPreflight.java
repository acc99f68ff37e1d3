package org.visualrft.train;

import java.io.PrintStream;
import java.util.List;
import org.visualrft.core.BadInputException;
import org.visualrft.model.policy.Policy;
import org.visualrft.train.data.TrainingExample;
import org.visualrft.train.sft.SftTrainer;
import org.visualrft.train.config.SftConfig;

/**
 * What can be checked about a run before its first step, once data and model are loaded and before anything is
 * written: every prompt fits the model's context, and every SFT target fits max_length and the context. A fault names
 * the dataset record; a length budget larger than the model can hold is noted, not fatal (generation ends at the
 * end of the context).
 */
final class RunPreflight {
    private RunPreflight() {
    }

    /** GRPO: every prompt leaves room to generate; notes when completions will end before max_completion_length. */
    static void grpo(String kind, Policy policy, List<TrainingExample> data, String dataName, int maxCompletion,
            PrintStream console) {
        int ctx = policy.contextLength();
        int longest = longestPrompt(policy, data, dataName, ctx);
        if (ctx != Integer.MAX_VALUE && longest + maxCompletion > ctx) {
            console.println(kind + ": note: the model holds " + ctx + " positions (max_position_embeddings) and the"
                    + " longest prompt in " + dataName + " takes " + longest + ", so completions end after at most "
                    + (ctx - longest) + " tokens (max_completion_length " + maxCompletion + ")");
        }
    }

    /** SFT: prompt plus target (with EOS) fits the context, and the target fits max_length. */
    static void sft(Policy policy, List<TrainingExample> data, String dataName, SftConfig cfg) {
        int ctx = policy.contextLength();
        longestPrompt(policy, data, dataName, ctx);
        for (TrainingExample ex : data) {
            String text;
            try {
                text = SftTrainer.target(ex, cfg.sftTarget());
            } catch (BadInputException e) {
                throw new BadInputException(dataName + " record " + ex.id(), e.fault(), e);
            }
            int target = policy.encode(text).length + 1;
            if (target > cfg.maxLength()) {
                throw new BadInputException(dataName + " record " + ex.id(), "target is " + target
                        + " tokens, max_length is " + cfg.maxLength() + " (targets are never cut)");
            }
            int prompt = policy.promptLength(ex.prompt());
            if (ctx != Integer.MAX_VALUE && (long) prompt + target > ctx) {
                throw new BadInputException(dataName + " record " + ex.id(), "prompt (" + prompt + " positions) and"
                        + " target (" + target + " tokens) exceed the model's " + ctx + " positions"
                        + " (max_position_embeddings)");
            }
        }
    }

    /** The longest prompt in positions; a prompt that leaves no room to generate is an error naming its record. */
    private static int longestPrompt(Policy policy, List<TrainingExample> data, String dataName, int ctx) {
        int longest = 0;
        for (TrainingExample ex : data) {
            int n = policy.promptLength(ex.prompt());
            if (n >= ctx) {
                throw new BadInputException(dataName + " record " + ex.id(), "prompt takes " + n + " positions but the"
                        + " model holds " + ctx + " (max_position_embeddings): nothing left to generate");
            }
            longest = Math.max(longest, n);
        }
        return longest;
    }
}
