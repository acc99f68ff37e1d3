package org.visualrft.train.checkpoint;

/**
 * The best checkpoint of a run so far, as {@code metric_for_best_model} judges them (Hugging Face's
 * {@code best_metric} and {@code best_model_checkpoint}): kept by {@link CheckpointStore} whatever
 * {@code save_total_limit} says.
 *
 * @param metric the metric's name, without the {@code eval/} prefix
 * @param value its value at that checkpoint's step
 * @param checkpoint the folder's name, {@code checkpoint-<step>}
 */
public record BestCheckpoint(String metric, double value, String checkpoint) {

    /**
     * This record, or one for {@code checkpoint} when {@code value} beats it ({@code greaterIsBetter} says which way);
     * a NaN never wins, and a record for another metric is replaced.
     */
    public static BestCheckpoint better(BestCheckpoint current, String metric, double value, boolean greaterIsBetter,
            String checkpoint) {
        if (Double.isNaN(value)) {
            return current != null && current.metric().equals(metric) ? current : null;
        }
        if (current == null || !current.metric().equals(metric)
                || (greaterIsBetter ? value > current.value() : value < current.value())) {
            return new BestCheckpoint(metric, value, checkpoint);
        }
        return current;
    }
}
