package org.visualrft.train.metrics;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One console line redrawn in place: {@code grpo [#####.....] 12/50 24% 0.41 s/step ETA 0:15 reward 1.23}.
 * Redraws at most every 200 ms; plain newline-separated lines when the output is not a terminal.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final int total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private final int startStep;
    private long lastDraw;

    public ProgressBar(PrintStream out, String label, int startStep, int total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.startStep = startStep;
        this.terminal = terminal;
    }

    /** Draws step {@code done} of {@code total}; {@code tail} is appended (e.g. "reward 1.23"). */
    public void update(int done, String tail) {
        long now = System.nanoTime();
        boolean last = done >= total;
        if (!last && now - lastDraw < 200_000_000L) {
            return;
        }
        lastDraw = now;
        String line = line(done, (now - startNanos) / 1e9, tail);
        if (terminal) {
            out.print("\r" + line + "\u001b[K");
            if (last) {
                out.println();
            }
        } else {
            out.println(line);
        }
        out.flush();
    }

    String line(int done, double elapsedS, String tail) {
        int width = 24;
        int filled = total == 0 ? width : (int) ((long) width * done / total);
        StringBuilder b = new StringBuilder(label).append(" [");
        b.append("#".repeat(filled)).append(".".repeat(width - filled)).append("] ");
        b.append(done).append('/').append(total);
        b.append(String.format(Locale.ROOT, " %3d%%", total == 0 ? 100 : 100 * done / total));
        int ran = done - startStep;
        if (ran > 0) {
            double perStep = elapsedS / ran;
            b.append(String.format(Locale.ROOT, " %.2f s/step ETA %s", perStep, clock(perStep * (total - done))));
        }
        if (tail != null && !tail.isEmpty()) {
            b.append(' ').append(tail);
        }
        return b.toString();
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
