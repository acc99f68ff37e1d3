#!/usr/bin/env bash
# Batched rollouts: GRPO sampling time per step with rollout_batch_groups 1 (each prompt's group of G = 8 decoded
# after the other) against 8 and 16 (8 or 16 groups in one decode: 64 or 128 rows a step), on the built-in model at
# its default size (random weights, bench/train/DataParallelSetup.java), through the real CLI (`visual-rft train
# grpo`, 1 rank, threads 1): dp.sh's 1-rank step, 16 prompts x G = 8, up to 40 new tokens, top-k 50, beta 0.04.
# Prints the median per-phase times over ROUNDS steps after WARM warm-up steps (the JIT), the ratio to
# rollout_batch_groups 1, and each run's reward curve: the groups are the same up to float rounding, so the curves
# should agree (a rare draw near a rounding boundary may differ).
# Usage: bench/train/batched.sh [ROUNDS] [WARM] [GROUPS...]     (defaults 5, 2 and "1 8 16"; the first is the peer)
#        BETA=0 leaves the reference model out: with it, the reference scores each group on a second thread while
#        sampling goes on, so on a small machine the two compete and the sampling time measures both
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-5}"
WARM="${2:-2}"
shift $(($# < 2 ? $# : 2))
if (($#)); then GROUPS_LIST=("$@"); else GROUPS_LIST=(1 8 16); fi
OUT=bench/out/batched
export OMP_WAIT_POLICY=PASSIVE
export OPENBLAS_NUM_THREADS=1 # Bytedeco's OpenBLAS otherwise starts one thread per core
rm -rf "$OUT"
mkdir -p "$OUT"
source bench/train/grpo-step.sh
grpo_step_build batchbench
for c in "${GROUPS_LIST[@]}"; do
  grpo_step_yaml "$c" 16 "${BETA:-0.04}" "$c" > "$OUT/run$c.yaml"
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load$c.txt" # other work on the machine distorts the ratio: printed below
  "${JAVA[@]}" org.visualrft.app.Main train grpo --config "$OUT/run$c.yaml" > "$OUT/log$c.txt" 2>&1
done
/usr/bin/python3 - "$OUT" "$WARM" "$PARAMS" "${GROUPS_LIST[@]}" <<'PY'
import json, statistics, sys
out, warm, params, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
phases = [("sampling", "time/sampling_s"), ("reference (wait)", "time/reference_s"),
          ("forward+backward", "time/backward_s"), ("whole step", "step_time_s")]
beta = any('"time/reference_cpu_s"' in l for l in open(f"{out}/run{runs[0]}/metrics.jsonl"))
if not beta:
    phases = [p for p in phases if p[1] != "time/reference_s"]
rows = {}
for c in runs:
    recs = [json.loads(l) for l in open(f"{out}/run{c}/metrics.jsonl") if '"step_time_s"' in l][warm:]
    rows[c] = {k: statistics.median(r.get(k, 0.0) for r in recs) * 1000 for _, k in phases}
    rows[c]["tokens"] = statistics.median(r["tokens"] for r in recs)
    rows[c]["reward"] = [round(r["reward"], 4) for r in recs]
peer = runs[0]
print(f"vrft-tiny: {params:,} parameters; 16 prompts x G=8 a step, 1 rank, 1 thread"
      f"{'' if beta else ', beta 0 (no reference model)'}; median over {len(recs)} steps after {warm} warm-up")
for c in runs:
    print(f"before rollout_batch_groups {c}: load average (1, 5, 15 min)", open(f"{out}/load{c}.txt").read().strip())
print()
head = " | ".join(f"{'c = ' + c:>10}" for c in runs)
print(f"| {'phase (ms per step)':<22} | {head} | " + " | ".join(f"{peer + ' / ' + c:>8}" for c in runs[1:]) + " |")
print(f"| {'-' * 22} | " + " | ".join("-" * 9 + ":" for _ in runs) + " | "
      + " | ".join("-" * 7 + ":" for _ in runs[1:]) + " |")
for name, k in phases:
    vals = " | ".join(f"{rows[c][k]:>10.1f}" for c in runs)
    ratios = " | ".join(f"{rows[peer][k] / rows[c][k]:>7.2f}x" if rows[c][k] > 0 else f"{'-':>8}" for c in runs[1:])
    print(f"| {name:<22} | {vals} | {ratios} |")
vals = " | ".join(f"{rows[c]['tokens']:>10.0f}" for c in runs)
print(f"| {'completion tokens':<22} | {vals} | " + " | ".join(f"{'':>8}" for _ in runs[1:]) + " |")
print()
for c in runs:
    print(f"reward curve, rollout_batch_groups {c}:", rows[c]["reward"])
PY
