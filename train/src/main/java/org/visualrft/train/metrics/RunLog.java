package org.visualrft.train.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a training run's metrics records go: {@code metrics.jsonl} always, and TensorBoard event files when the run
 * reports to TensorBoard ({@code report_to: tensorboard}).
 */
public final class RunLog implements AutoCloseable {
    private final MetricsLog metrics;
    private final TensorBoardLog tensorBoard;

    private RunLog(MetricsLog metrics, TensorBoardLog tensorBoard) {
        this.metrics = metrics;
        this.tensorBoard = tensorBoard;
    }

    /**
     * Opens {@code metricsFile} as {@link MetricsLog#open} does (records after {@code resumedStep} dropped) and, unless
     * {@code tensorBoardDir} is null, a new event file there.
     */
    public static RunLog open(Path metricsFile, Path tensorBoardDir, int resumedStep) throws IOException {
        MetricsLog metrics = MetricsLog.open(metricsFile, resumedStep);
        try {
            return new RunLog(metrics, tensorBoardDir == null ? null : TensorBoardLog.open(tensorBoardDir, resumedStep));
        } catch (IOException | RuntimeException e) {
            metrics.close();
            throw e;
        }
    }

    public void write(Map<String, Object> record) throws IOException {
        metrics.write(record);
        if (tensorBoard != null) {
            tensorBoard.write(record);
        }
    }

    /** A markdown text for TensorBoard's text plugin at {@code step}; nothing when the run does not report there. */
    public void text(long step, String tag, java.util.function.Supplier<String> markdown) throws IOException {
        if (tensorBoard != null) {
            tensorBoard.text(step, tag, markdown.get());
        }
    }

    @Override
    public void close() throws IOException {
        try (MetricsLog m = metrics) {
            if (tensorBoard != null) {
                tensorBoard.close();
            }
        }
    }
}
