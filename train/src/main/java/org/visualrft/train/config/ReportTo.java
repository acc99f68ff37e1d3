package org.visualrft.train.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Hugging Face's {@code report_to}: where a run's metrics go besides {@code metrics.jsonl}, which is always written.
 * TensorBoard event files are the one integration here (they are files; every other one sends to a service, and a run
 * here reaches no network).
 */
final class ReportTo {
    static final String TENSORBOARD = "tensorboard";
    /** The integrations Hugging Face's trainer knows besides TensorBoard: named so that the refusal can say why. */
    private static final Set<String> SERVICES = Set.of("azure_ml", "clearml", "codecarbon", "comet_ml", "dagshub",
            "dvclive", "flyte", "mlflow", "neptune", "swanlab", "trackio", "wandb");

    private ReportTo() {
    }

    /** {@code none} (the default) or an empty list: nothing more; {@code tensorboard} or {@code all}: TensorBoard. */
    static List<String> read(YamlFields y) {
        List<String> names = y.strings("report_to", List.of("none"));
        boolean tensorBoard = false;
        for (String raw : names) {
            String n = raw.toLowerCase(Locale.ROOT);
            if (n.equals(TENSORBOARD) || n.equals("all")) {
                tensorBoard = true;
            } else if (n.equals("none")) {
                if (names.size() > 1) {
                    throw y.fault("report_to", "'none' cannot be listed with other integrations, got " + names);
                }
            } else if (SERVICES.contains(n)) {
                throw y.fault("report_to", "'" + raw + "' is not available: a run here reaches no online service;"
                        + " 'tensorboard' writes TensorBoard event files (into logging_dir), and metrics.jsonl is"
                        + " always written");
            } else {
                throw y.fault("report_to", "must be none, tensorboard, all, or a list of them, got '" + raw + "'");
            }
        }
        return tensorBoard ? List.of(TENSORBOARD) : List.of();
    }
}
