package org.visualrft.app.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.visualrft.app.report.MeanSpread;
import org.visualrft.app.report.PassAtK;
import org.visualrft.app.report.RunRecord;

/**
 * What the numbers say, written from the numbers: per setting, Visual-RFT against SFT on the target and on the other
 * skills, with the difference called real only when it exceeds the combined spread over draws; then the diagnostics
 * that explain a tie or a loss (base pass@k, zero-variance groups, KL, training reward).
 */
public final class Findings {
    private Findings() {
    }

    public static List<String> write(List<Setting> settings, List<RunRecord> runs, Map<String, Double> base,
            List<PassAtK> passAtK, DemoPlan plan) {
        List<String> out = new ArrayList<>();
        int wins = 0;
        int losses = 0;
        int ties = 0;
        for (Setting s : settings) {
            String key = Setting.primary(s.targets().get(0));
            MeanSpread sft = stat(runs, s, "sft", key);
            MeanSpread rft = stat(runs, s, "rft", key);
            if (sft == null || rft == null) {
                continue;
            }
            double diff = rft.mean() - sft.mean();
            double noise = Math.hypot(sft.spread(), rft.spread());
            String verdict;
            if (plan.draws() < 2) {
                verdict = "one draw only, so no spread to judge the difference against";
                ties++;
            } else if (Math.abs(diff) <= noise) {
                verdict = "within the spread over draws: a tie";
                ties++;
            } else if (diff > 0) {
                verdict = "Visual-RFT ahead by more than the spread";
                wins++;
            } else {
                verdict = "SFT ahead by more than the spread";
                losses++;
            }
            double b = base.getOrDefault(key, Double.NaN);
            MeanSpread sftOther = stat(runs, s, "sft", "other_skills");
            MeanSpread rftOther = stat(runs, s, "rft", "other_skills");
            double baseOther = s.otherSkills(base);
            out.add(String.format(Locale.ROOT, "%s (%s): base %.3f, SFT %s, Visual-RFT %s; RFT − SFT = %+.3f (%s%s). "
                    + "Other skills: base %.3f, SFT %+.3f, Visual-RFT %+.3f.", s.id(), key, b, sft.format(),
                    rft.format(), diff, verdict, paired(runs, s, key), baseOther, sftOther.mean() - baseOther,
                    rftOther.mean() - baseOther));
            String gain = relativeToBase(s.id(), b, sft, rft, Math.abs(diff) > noise);
            if (plan.draws() >= 2 && !gain.isEmpty()) { // one draw has no spread to judge "beyond" by
                out.add(gain);
            }
        }
        out.add(0, plan.draws() < 2
                ? "Verdict on the targets: one k-shot draw per setting gives no spread to judge differences against; "
                        + "run the full demo (3 draws) before reading anything into RFT vs SFT."
                : String.format(Locale.ROOT, "Verdict on the targets: Visual-RFT beat SFT beyond the spread in %d "
                        + "setting(s), lost in %d, tied in %d. The paper's \"RFT ≫ SFT\" is %s here.", wins, losses,
                        ties, wins > losses + ties ? "reproduced" : "not reproduced"));
        double forgetSft = meanDelta(settings, runs, base, "sft");
        double forgetRft = meanDelta(settings, runs, base, "rft");
        out.add(String.format(Locale.ROOT, "Forgetting: averaged over settings, other skills moved %+.3f under SFT and "
                + "%+.3f under Visual-RFT (%s).", forgetSft, forgetRft,
                forgetRft > forgetSft ? "Visual-RFT kept more of the base's skills"
                        : "SFT kept as much or more of the base's skills"));
        for (PassAtK p : passAtK) {
            out.add(String.format(Locale.ROOT, "Base on %s: pass@1 greedy %.3f, sampled %.3f, pass@%d %.3f; %.0f%% of "
                    + "examples gave %d equal rewards (no GRPO signal).", p.target(), p.pass1Greedy(), p.pass1Sampled(),
                    p.k(), p.passK(), 100 * p.zeroVarianceShare(), p.k()));
        }
        for (Setting s : settings) {
            List<RunRecord> rft = DemoCurves.of(runs, s.id(), "rft");
            if (rft.isEmpty()) {
                continue;
            }
            out.add(String.format(Locale.ROOT, "GRPO on %s: training reward %.3f → %.3f, zero-variance groups %.0f%%, "
                    + "final KL %.4f, %d steps at lr %s, G = %d, temperature 1%s.", s.id(),
                    avg(rft, "reward_first"), avg(rft, "reward_last"), 100 * avg(rft, "zero_std_share"),
                    avg(rft, "kl_last"), plan.grpoSteps(), plan.grpoLr(), plan.generations(),
                    plan.dynamicSampling() ? ", dynamic sampling on" : ""));
        }
        return out;
    }

    /**
     * Whether a method gained on the target or only lost less: a lead of Visual-RFT over SFT reads differently when
     * both fell below the base (the few shots were learned but did not transfer to held-out examples).
     */
    static String relativeToBase(String id, double base, MeanSpread sft, MeanSpread rft, boolean decided) {
        if (!Double.isFinite(base)) {
            return "";
        }
        boolean sftBelow = sft.mean() + sft.spread() < base;
        boolean rftBelow = rft.mean() + rft.spread() < base;
        boolean sftAbove = sft.mean() - sft.spread() > base;
        boolean rftAbove = rft.mean() - rft.spread() > base;
        if (sftBelow && rftBelow) {
            return String.format(Locale.ROOT, "%s: both fine-tunings ended below the base (SFT %+.3f, Visual-RFT %+.3f):"
                    + " the shots are learned but do not carry over to held-out examples%s.", id, sft.mean() - base,
                    rft.mean() - base, decided && rft.mean() > sft.mean()
                            ? "; Visual-RFT's lead is that it lost less, not that it gained" : "");
        }
        if (sftAbove || rftAbove) {
            return String.format(Locale.ROOT, "%s: above the base beyond the spread: %s.", id,
                    sftAbove && rftAbove ? "both methods" : sftAbove ? "SFT only" : "Visual-RFT only");
        }
        return "";
    }

    /**
     * The same draw trains both methods, so their per-draw differences are paired: "; per draw +0.020, −0.010 (RFT
     * ahead in 1 of 2)". Empty when fewer than two draws pair up.
     */
    static String paired(List<RunRecord> runs, Setting s, String key) {
        List<RunRecord> sft = DemoCurves.of(runs, s.id(), "sft");
        List<RunRecord> rft = DemoCurves.of(runs, s.id(), "rft");
        StringBuilder diffs = new StringBuilder();
        int n = 0;
        int ahead = 0;
        for (RunRecord r : rft) {
            for (RunRecord q : sft) {
                if (q.draw() == r.draw()) {
                    double d = r.scores().getOrDefault(key, Double.NaN) - q.scores().getOrDefault(key, Double.NaN);
                    if (Double.isFinite(d)) {
                        diffs.append(n == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%+.3f", d));
                        n++;
                        ahead += d > 0 ? 1 : 0;
                    }
                }
            }
        }
        return n < 2 ? "" : String.format(Locale.ROOT, "; per draw %s: RFT ahead in %d of %d", diffs, ahead, n);
    }

    private static double avg(List<RunRecord> runs, String key) {
        return runs.stream().mapToDouble(r -> r.training().getOrDefault(key, Double.NaN)).average().orElse(Double.NaN);
    }

    private static MeanSpread stat(List<RunRecord> runs, Setting s, String method, String key) {
        double[] v = DemoCurves.of(runs, s.id(), method).stream()
                .mapToDouble(r -> r.scores().getOrDefault(key, Double.NaN)).filter(Double::isFinite).toArray();
        return v.length == 0 ? null : MeanSpread.of(v);
    }

    private static double meanDelta(List<Setting> settings, List<RunRecord> runs, Map<String, Double> base,
            String method) {
        double sum = 0;
        int n = 0;
        for (Setting s : settings) {
            MeanSpread m = stat(runs, s, method, "other_skills");
            if (m != null) {
                sum += m.mean() - s.otherSkills(base);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
