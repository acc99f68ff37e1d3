#!/usr/bin/env bash
# Where does Visual-RFT beat SFT on the built-in world? Runs `visual-rft demo` once per variant of the update budget
# (steps, learning rates, beta, G, thinking, dynamic sampling, base model) on a subset of settings and prints, per
# variant and setting, base / SFT / Visual-RFT on the target (mean ± spread over draws), the paired per-draw
# difference and the change of the other skills. Each variant is one demo run on one core; results stay under OUT.
#
# Usage: bench/demo/regimes.sh [--out DIR] [--settings IDS] [--draws N] [--model DIR] [--jobs N] [VARIANT...]
#   VARIANT is "name: demo options", e.g. "lr1e-4: --sft-lr 1e-4 --grpo-lr 1e-4". Without variants the built-in
#   grid below runs. --jobs runs that many variants at once (one core each). Summarise an existing OUT with
#   bench/demo/regimes.sh --summarise-only --out DIR.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=bench/out/regimes; settings=cls-4shot,det-2shot,ov,ground; draws=3; model=""; jobs=1; only_sum=0
variants=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --settings) settings="$2"; shift 2 ;;
    --draws) draws="$2"; shift 2 ;;
    --model) model="--model $2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --summarise-only) only_sum=1; shift ;;
    -*) echo "usage: bench/demo/regimes.sh [--out DIR] [--settings IDS] [--draws N] [--model DIR] [--jobs N] [VARIANT...]" >&2; exit 2 ;;
    *) variants+=("$1"); shift ;;
  esac
done
if [[ ${#variants[@]} -eq 0 ]]; then
  # the rows of docs/demo.md's regimes table: the preset (100 steps, lr 5e-5) and, at 30 steps, lr 5e-5, beta 0,
  # dynamic sampling and lr 1e-4 (every step count is explicit: the preset's own changed from 30 to 100 once)
  variants=(
    "preset: "
    "steps30: --steps 30"
    "steps30-beta0: --steps 30 --beta 0"
    "steps30-dynamic: --steps 30 --dynamic-sampling"
    "steps30-lr1e-4: --steps 30 --sft-lr 1e-4 --grpo-lr 1e-4"
  )
fi
mkdir -p "$out"
if [[ $only_sum == 0 ]]; then
  ./visual-rft --version >/dev/null   # build once before the parallel runs
  running=0
  for v in "${variants[@]}"; do
    name="${v%%:*}"; opts="${v#*:}"
    (
      start=$(date +%s)
      # shellcheck disable=SC2086
      if ./visual-rft demo --workers 1 --no-cot-ablation --settings "$settings" --draws "$draws" $model $opts \
           --out "$out/$name" >"$out/$name.log" 2>&1; then
        echo "$name: $(( $(date +%s) - start )) s"
      else
        echo "$name: FAILED, see $out/$name.log"
      fi
    ) &
    running=$((running + 1))
    if [[ $running -ge $jobs ]]; then wait -n || true; running=$((running - 1)); fi
  done
  wait
fi
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for name in sorted(os.listdir(out)):
    f = os.path.join(out, name, "results.json")
    if not os.path.isfile(f):
        continue
    r = json.load(open(f))
    c = r["config"]
    primary = {"cls": "cls_hard_acc", "det": "det_fewshot_map", "ov": "det_novel_map", "ground": "ground_miou"}
    settings = sorted({x["setting"] for x in r["runs"]}, key=lambda s: (list(primary).index(s.split("-")[0]), s))
    for s in settings:
        key = primary[s.split("-")[0]]
        by = {m: {x["draw"]: x for x in r["runs"] if x["setting"] == s and x["method"] == m and x["cot"]} for m in ("sft", "rft")}
        def ms(m, k):
            v = [x["scores"][k] for x in by[m].values() if x["scores"].get(k) is not None]
            mu = sum(v) / len(v)
            return mu, (sum((a - mu) ** 2 for a in v) / len(v)) ** 0.5
        (sm, ss), (rm, rs) = ms("sft", key), ms("rft", key)
        d = [by["rft"][i]["scores"][key] - by["sft"][i]["scores"][key] for i in by["rft"] if i in by["sft"]]
        base = r["base"]["scores"][key]
        bo = sum(x["scores"]["other_skills"] for x in by["sft"].values()) / len(by["sft"])
        ro = sum(x["scores"]["other_skills"] for x in by["rft"].values()) / len(by["rft"])
        # the base's other skills as the demo defines them (Setting.all: the sets of the tasks not trained on)
        others = {"cls": ["cls_other_acc", "det_base_map", "ground_miou"], "det": ["cls_other_acc", "det_base_map", "ground_miou"],
                  "ov": ["cls_other_acc", "ground_miou"], "ground": ["cls_other_acc", "det_base_map"]}[s.split("-")[0]]
        bb = sum(r["base"]["scores"][k] for k in others) / len(others)
        kl = sum(x["training"].get("kl_last", float("nan")) for x in by["rft"].values()) / len(by["rft"])
        verdict = "RFT" if rm - sm > (ss ** 2 + rs ** 2) ** 0.5 else "SFT" if sm - rm > (ss ** 2 + rs ** 2) ** 0.5 else "tie"
        rows.append((name, s, f"{c['grpo_steps']}/{c['sft_lr']:g},{c['grpo_lr']:g}/{c['grpo_beta']:g}/{c['grpo_generations']}",
                     f"{base:.3f}", f"{sm:.3f}±{ss:.3f}", f"{rm:.3f}±{rs:.3f}", f"{rm - sm:+.3f}",
                     f"{sum(x > 0 for x in d)}/{len(d)}", verdict, f"{bo:.3f}/{ro:.3f}", f"{bo - bb:+.3f}/{ro - bb:+.3f}",
                     f"{kl:.3f}"))
head = ("variant", "setting", "steps/lr SFT,RFT/β/G", "base", "SFT", "Visual-RFT", "RFT−SFT", "RFT ahead", "verdict",
        "other SFT/RFT", "change", "KL")
w = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
for x in [head] + rows:
    print("  ".join(str(v).ljust(w[i]) for i, v in enumerate(x)))
PY
