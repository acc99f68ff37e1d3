package org.visualrft.train.config;

/** How per-token GRPO losses become one number. */
public enum LossAggregation {
    /** Mean over sequences of each sequence's masked token mean (Visual-RFT, TRL 0.14 "grpo"). */
    SEQ_MEAN_TOKEN_MEAN("seq_mean_token_mean"),
    /** Masked sum over all tokens divided by the total masked count (DAPO, TRL "bnpo"/"dapo"). */
    TOKEN_MEAN("token_mean"),
    /** Mean over sequences of the masked token sum divided by a constant length (Dr. GRPO, TRL "dr_grpo"). */
    SEQ_MEAN_TOKEN_SUM_NORM("seq_mean_token_sum_norm");

    private final String yamlName;

    LossAggregation(String yamlName) {
        this.yamlName = yamlName;
    }

    public String yamlName() {
        return yamlName;
    }

    /** Accepts our names and TRL's {@code loss_type} values. */
    static LossAggregation parse(String s) {
        return switch (s) {
            case "seq_mean_token_mean", "grpo" -> SEQ_MEAN_TOKEN_MEAN;
            case "token_mean", "bnpo", "dapo" -> TOKEN_MEAN;
            case "seq_mean_token_sum_norm", "dr_grpo" -> SEQ_MEAN_TOKEN_SUM_NORM;
            default -> null;
        };
    }

    static final java.util.List<String> NAMES = java.util.List.of("seq_mean_token_mean", "token_mean",
            "seq_mean_token_sum_norm", "grpo", "bnpo", "dapo", "dr_grpo");
}
