package org.visualrft.train.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void showsProgressEtaAndTheTail() {
        ProgressBar b = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), "grpo", 0, 40, false);
        String line = b.line(10, 5.0, "reward 1.234");
        assertTrue(line.startsWith("grpo [######..................] 10/40  25%"), line);
        assertTrue(line.contains("0.50 s/step ETA 0:15"), line); // 30 steps left at 0.5 s
        assertTrue(line.endsWith("reward 1.234"), line);
        assertEquals("1:01:05", ProgressBar.clock(3665));
    }

    @Test
    void plainLinesWhenNotATerminal() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProgressBar b = new ProgressBar(new PrintStream(out), "sft", 0, 2, false);
        b.update(1, "loss 2.000");
        b.update(2, "loss 1.000");
        String s = out.toString();
        assertTrue(s.contains("2/2 100%") && !s.contains("\r"), s);
    }
}
