package org.visualrft.model.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.visualrft.core.OracleFixtures;
import org.visualrft.model.policy.SamplingParams;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;

/**
 * The distribution a draw picks from, against the {@code sampling/} oracle (Hugging Face generate's repetition
 * penalty, temperature, top-k, top-p and min-p reimplemented in PyTorch by {@code fixtures/sampling/make_cases.py}):
 * every case of the fixtures folder, on the Java sampler and on the device sampler (here on the CPU), 1e-6 absolute
 * per token; and a draw of each row lands only on a token the oracle keeps.
 */
class SamplingOracleTest {
    static final double TOLERANCE = 1e-6;

    record Row(float[] logits, int[] history, double[] expected) {
    }

    record Case(String name, int vocab, SamplingParams params, List<Row> rows) {
    }

    static List<Case> cases() throws IOException {
        Path dir = OracleFixtures.family("sampling");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        List<Case> out = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (Path f : files) {
            JsonNode doc = json.readTree(f.toFile());
            JsonNode p = doc.get("params");
            JsonNode minP = p.get("min_p");
            SamplingParams params = new SamplingParams(p.get("temperature").asDouble(), p.get("top_k").asInt(),
                    p.get("top_p").asDouble(), 1, p.get("repetition_penalty").asDouble(),
                    minP.isNull() ? 0.0 : minP.asDouble());
            int vocab = doc.get("vocab").asInt();
            List<Row> rows = new ArrayList<>();
            for (JsonNode r : doc.get("rows")) {
                float[] logits = new float[vocab];
                double[] expected = new double[vocab];
                for (int i = 0; i < vocab; i++) {
                    logits[i] = (float) r.get("logits").get(i).asDouble();
                    expected[i] = r.get("expected").get(i).asDouble();
                }
                int[] history = new int[r.get("history").size()];
                for (int i = 0; i < history.length; i++) {
                    history[i] = r.get("history").get(i).asInt();
                }
                rows.add(new Row(logits, history, expected));
            }
            out.add(new Case(f.getFileName().toString(), vocab, params, rows));
        }
        assertFalse(out.isEmpty(), "no sampling cases in " + dir);
        return out;
    }

    /** The row's history as the samplers hold it: its distinct ids. */
    static int[] distinct(int[] history) {
        return Arrays.stream(history).distinct().toArray();
    }

    @Test
    void javaSamplerDrawsFromTheOracleDistribution() throws IOException {
        int checked = 0;
        for (Case c : cases()) {
            for (int r = 0; r < c.rows().size(); r++) {
                Row row = c.rows().get(r);
                int[] seen = distinct(row.history());
                double[] p = Sampler.probabilities(row.logits(), 0, c.vocab(), c.params(), seen);
                assertClose(row.expected(), p, c.name() + " row " + r + " (Java)");
                SplittableRandom rng = new SplittableRandom(r);
                for (int d = 0; d < 50; d++) {
                    int t = Sampler.sample(row.logits(), 0, c.vocab(), Double.NaN, c.params(), seen, rng).token();
                    assertTrue(row.expected()[t] > 0, c.name() + " row " + r + ": drew token " + t
                            + ", which the oracle filters out");
                }
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    @Test
    void deviceSamplerDrawsFromTheOracleDistribution() throws IOException {
        checkDeviceSampler(Device.CPU);
    }

    /** The device sampler on {@code device} against every case (CudaSamplingOracleTest runs it on a GPU). */
    static void checkDeviceSampler(Device device) throws IOException {
        for (Case c : cases()) {
            int n = c.rows().size();
            float[] all = new float[n * c.vocab()];
            List<int[]> histories = new ArrayList<>();
            List<SplittableRandom> rngs = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                System.arraycopy(c.rows().get(r).logits(), 0, all, r * c.vocab(), c.vocab());
                histories.add(c.rows().get(r).history());
                rngs.add(new SplittableRandom(r));
            }
            int[] maxNew = new int[n];
            Arrays.fill(maxNew, 1);
            try (NativeScope s = NativeScope.open(); Tensor.GradMode g = Tensor.noGrad()) {
                DeviceSampler sampler = DeviceSampler.forGroups(c.params(), 1, maxNew, c.vocab(), histories,
                        new int[0], rngs, device);
                Tensor logits = Tensor.fromFloats(all, n, c.vocab()).to(device);
                double[][] p = sampler.probabilities(logits);
                for (int r = 0; r < n; r++) {
                    assertClose(c.rows().get(r).expected(), p[r], c.name() + " row " + r + " (device)");
                }
                long[] picked = sampler.pickAndRecord(logits).toLongs();
                for (int r = 0; r < n; r++) {
                    assertTrue(c.rows().get(r).expected()[(int) picked[r]] > 0, c.name() + " row " + r
                            + ": the device drew token " + picked[r] + ", which the oracle filters out");
                }
            }
        }
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > TOLERANCE) {
                throw new AssertionError(what + ": token " + i + " has probability " + actual[i] + ", expected "
                        + expected[i]);
            }
        }
    }
}
