package org.visualrft.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.visualrft.model.policy.GroupLogProbs;
import org.visualrft.model.tensor.DType;
import org.visualrft.model.tensor.Device;
import org.visualrft.model.tensor.NativeScope;
import org.visualrft.model.tensor.Tensor;
import org.visualrft.train.config.AdvantageMode;
import org.visualrft.train.config.ImportanceSampling;
import org.visualrft.train.config.LossAggregation;

/**
 * Every case in {@code ${vrft.fixtures}/grpo/*.json}: loss, advantages, mean KL and d loss / d logp; with
 * {@code top_entropy_quantile} also the entropies (from the case's logits, by the policies' own
 * {@link GroupLogProbs#entropies()}), the threshold and the token mask.
 */
class GrpoLossOracleTest {
    static final double REL = 1e-9;
    static final double ABS = 1e-12;
    /** Entropies computed here in float32 from the case's float32 logits against PyTorch's (kernels may round apart). */
    static final double ENTROPY_REL = 1e-5;

    static Path fixtures() {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("grpo");
    }

    static List<Path> cases() throws IOException {
        List<Path> cases;
        try (Stream<Path> s = Files.list(fixtures())) {
            cases = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertFalse(cases.isEmpty(), "no GRPO oracle cases under " + fixtures());
        return cases;
    }

    @TestFactory
    Stream<DynamicTest> everyOracleCase() throws IOException {
        return cases().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> check(p)));
    }

    /**
     * The clipped branch of the loss is exercised: a case may legitimately have every ratio inside the clip range (then
     * only its numbers are judged), but over the whole set at least one clipping case must clip some tokens.
     */
    @Test
    void someClippingCaseClips() throws IOException {
        int clipping = 0;
        int clipped = 0;
        for (Path p : cases()) {
            double ratio = check(p);
            if (!Double.isNaN(ratio)) {
                clipping++;
                clipped += ratio > 0 ? 1 : 0;
            }
        }
        assertTrue(clipping == 0 || clipped > 0, "none of the " + clipping + " clipping cases clips a token");
    }

    /** Checks one case against its expected numbers; returns the fraction of clipped tokens, NaN without clipping. */
    static double check(Path file) throws IOException {
        return check(file, Device.CPU);
    }

    /** {@link #check(Path)} with every tensor on {@code device}. */
    static double check(Path file, Device device) throws IOException {
        JsonNode c = new ObjectMapper().readTree(file.toFile());
        int g = c.get("G").asInt();
        int t = c.get("T").asInt();
        JsonNode cfg = c.get("config");
        JsonNode want = c.get("expected");
        assertEquals("k3", cfg.get("kl").asText());

        AdvantageMode mode = cfg.get("advantage").asText().equals("std") ? AdvantageMode.STD : AdvantageMode.MEAN_ONLY;
        double[] adv = GroupAdvantage.of(vector(c.get("rewards")), mode, cfg.get("std_eps").asDouble());
        assertClose(vector(want.get("advantages")), adv, "advantages");

        LossAggregation agg = switch (cfg.get("loss_agg").asText()) {
            case "seq_mean_token_mean" -> LossAggregation.SEQ_MEAN_TOKEN_MEAN;
            case "token_mean" -> LossAggregation.TOKEN_MEAN;
            case "seq_mean_token_sum_norm" -> LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM;
            default -> throw new AssertionError("unknown loss_agg " + cfg.get("loss_agg"));
        };
        Double epsLow = cfg.get("clip_eps_low").isNull() ? null : cfg.get("clip_eps_low").asDouble();
        double epsHigh = cfg.get("clip_eps_high").isNull() ? 0.0 : cfg.get("clip_eps_high").asDouble();
        // cases from before GSPO and two-sided clipping lack these keys: token ratios, no cap
        ImportanceSampling sampling = cfg.path("importance_sampling_level").asText("token").equals("sequence")
                ? ImportanceSampling.SEQUENCE : ImportanceSampling.TOKEN;
        Double delta = cfg.path("delta").isNumber() ? cfg.get("delta").asDouble() : null;
        GrpoLoss loss = new GrpoLoss(c.get("beta").asDouble(), agg, epsLow, epsHigh, t, sampling, delta);

        try (NativeScope scope = NativeScope.open()) {
            Tensor logp = Tensor.fromDoubles(matrix(c.get("logp"), g, t), g, t).on(device).requiresGrad(true);
            Tensor old = Tensor.fromDoubles(matrix(c.get("logp_old"), g, t), g, t).on(device);
            Tensor ref = Tensor.fromDoubles(matrix(c.get("logp_ref"), g, t), g, t).on(device);
            Tensor mask = Tensor.fromDoubles(matrix(c.get("mask"), g, t), g, t).on(device);
            Tensor keep = entropyMask(c, g, t, device);
            GrpoLoss.Result r = loss.compute(logp, old, ref, mask, adv, keep);
            // the loss and its gradient are computed where the inputs are, not on a silent host copy
            assertTrue(r.loss().isOn(device), "loss on " + device);
            r.loss().backward();
            assertTrue(logp.grad().isOn(device), "d loss / d logp on " + device);
            assertClose(new double[] {want.get("loss").asDouble()}, new double[] {r.value()}, "loss");
            assertClose(new double[] {want.get("mean_kl").asDouble()}, new double[] {r.meanKl()}, "mean_kl");
            assertClose(matrix(want.get("grad_logp"), g, t), logp.grad().toDoubles(), "grad_logp");
            return epsLow == null ? Double.NaN : r.clipRatio();
        }
    }

    /**
     * top_entropy_quantile's token mask for the case (null without the key, or at 1: no mask, as in TRL): the
     * entropies given, or computed from the logits; the threshold over the case's loss tokens (the case is one
     * micro-batch) and the mask, each checked against the oracle's.
     */
    static Tensor entropyMask(JsonNode c, int g, int t, Device device) {
        double rho = c.get("config").path("top_entropy_quantile").asDouble(1.0);
        if (rho >= 1.0) {
            return null;
        }
        JsonNode want = c.get("expected");
        float[] mask = toFloats(matrix(c.get("mask"), g, t));
        float[] entropies;
        if (c.has("logits")) {
            int vocab = c.get("logits").get(0).get(0).size();
            double[] logits = new double[g * t * vocab];
            long[] tokens = new long[g * t];
            for (int i = 0; i < g; i++) {
                for (int j = 0; j < t; j++) {
                    tokens[i * t + j] = c.get("tokens").get(i).get(j).asLong();
                    for (int v = 0; v < vocab; v++) {
                        logits[(i * t + j) * vocab + v] = c.get("logits").get(i).get(j).get(v).asDouble();
                    }
                }
            }
            GroupLogProbs lp = GroupLogProbs.of(Tensor.fromDoubles(logits, g, t, vocab).to(device, DType.F32),
                    Tensor.fromLongs(tokens, g, t).on(device), Tensor.fromFloats(mask, g, t).on(device));
            entropies = lp.entropies().toFloats();
            assertClose(matrix(want.get("entropies"), g, t), toDoubles(entropies), ENTROPY_REL, "entropies");
        } else {
            entropies = toFloats(matrix(c.get("entropies"), g, t));
        }
        float threshold = HighEntropyTokens.threshold(HighEntropyTokens.lossTokens(entropies, mask), rho);
        JsonNode cut = want.get("entropy_threshold");
        assertClose(new double[] {cut.isNull() ? Double.NaN : cut.asDouble()}, new double[] {threshold},
                c.has("logits") ? ENTROPY_REL : 0, "entropy_threshold");
        Tensor keep = HighEntropyTokens.keep(entropies, mask, threshold, g, t);
        assertEquals(java.util.Arrays.toString(matrix(want.get("entropy_mask"), g, t)),
                java.util.Arrays.toString(keep.toDoubles()), "entropy_mask");
        return keep.on(device);
    }

    static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }

    static double[] toDoubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static double[] vector(JsonNode a) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).asDouble();
        }
        return v;
    }

    static double[] matrix(JsonNode a, int rows, int cols) {
        assertEquals(rows, a.size());
        double[] v = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            assertEquals(cols, a.get(i).size());
            for (int j = 0; j < cols; j++) {
                v[i * cols + j] = a.get(i).get(j).asDouble();
            }
        }
        return v;
    }

    static void assertClose(double[] want, double[] got, String what) {
        assertClose(want, got, REL, what);
    }

    /** Within {@code rel} relative plus {@link #ABS}; NaN matches NaN only. */
    static void assertClose(double[] want, double[] got, double rel, String what) {
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            double tol = rel * Math.abs(want[i]) + ABS;
            if (Double.isNaN(want[i]) && Double.isNaN(got[i])) {
                continue;
            }
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
                throw new AssertionError(what + "[" + i + "]: expected " + want[i] + ", got " + got[i]
                        + " (|diff| " + Math.abs(got[i] - want[i]) + " > " + tol + ")");
            }
        }
    }
}
