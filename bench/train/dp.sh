#!/usr/bin/env bash
# Data-parallel GRPO on one machine: the same global batch (16 prompts x G = 8, up to 40 new tokens, beta 0.04) as
# 1 rank x 1 thread (per_device_train_batch_size 16) against 2 ranks x 1 thread (--nproc 2, 8 prompts each), through
# the real CLI (`visual-rft train grpo --nproc N`, c10d Gloo on loopback). Prints one table: the median per-phase
# times of rank 0 over ROUNDS steps after WARM warm-up steps, steps per second, and the ratio. The warm-up covers the
# JIT: each JVM compiles the same code, and two ranks compile it twice on the cores the training shares, while one
# rank compiles on its idle second core; after three steps the compilers are mostly quiet.
# A third run, "1 rank, 1 thread strictly", is the 1-rank run with the reference model scored in line
# (-Dvrft.train.refThread=false): the default 1-rank run scores it on a helper thread, i.e. on the second core. A
# fourth, "2 ranks, reference in line", does the same in both ranks: every rank strictly one thread.
# Usage: bench/train/dp.sh [ROUNDS] [WARM]     (defaults 6 and 3)
#        ROLLOUT_BATCH_GROUPS unset: the runs sample one prompt's group after another; ROLLOUT_BATCH_GROUPS=N adds
#        rollout_batch_groups: N to every run's config (N groups in one batched decode; docs/training.md)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-6}"
WARM="${2:-3}"
OUT=bench/out/dp
export OMP_WAIT_POLICY=PASSIVE
export OPENBLAS_NUM_THREADS=1 # Bytedeco's OpenBLAS otherwise starts one thread per core in every rank
rm -rf "$OUT"
mkdir -p "$OUT"
source bench/train/grpo-step.sh
grpo_step_build dpbench
for run in 1 1s 2 2s; do
  n=${run%s}
  extra=(); [[ "$run" == *s ]] && extra=(-Dvrft.train.refThread=false)
  grpo_step_yaml "$run" $((16 / n)) 0.04 "${ROLLOUT_BATCH_GROUPS:-}" > "$OUT/run$run.yaml"
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load$run.txt" # other work on the 2 cores distorts the ratio: printed below
  # A virtual CPU can run slower than its sibling when the host loads the physical core under it (seen here: the
  # same loop took 230 ms on one vCPU and 440 ms on the other, with no steal time reported). One rank uses one core,
  # two ranks need both: time the same loop on each core before each run, and print it with the table.
  for c in $(seq 0 $(($(nproc) - 1))); do
    taskset -c "$c" /usr/bin/python3 -c 'import time
t = time.process_time(); s = 0
for i in range(2000000): s += i * i
print(round((time.process_time() - t) * 1000), end=" ")'
  done > "$OUT/cores$run.txt"
  # the process wall time, by the shell's clock (no /usr/bin/time needed)
  t0=$(date +%s.%N)
  "${JAVA[@]}" "${extra[@]}" org.visualrft.app.Main train grpo --config "$OUT/run$run.yaml" --nproc "$n" \
    > "$OUT/log$run.txt" 2>&1
  awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f\n", b - a }' > "$OUT/wall$run.txt"
done
/usr/bin/python3 - "$OUT" "$WARM" "$PARAMS" <<'PY'
import json, statistics, sys
out, warm, params = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
phases = [("sampling", "time/sampling_s"), ("  of it: rank exchanges", "time/sampling_exchange_s"),
          ("reference (wait)", "time/reference_s"),
          ("reference (its CPU time)", "time/reference_cpu_s"),
          ("forward+backward", "time/backward_s"), ("allreduce", "time/allreduce_s"),
          ("optimiser (clip+AdamW)", "time/optimizer_s"), ("whole step", "step_time_s")]
rows = {}
for n in ("1", "1s", "2", "2s"):
    recs = [json.loads(l) for l in open(f"{out}/run{n}/metrics.jsonl") if '"step_time_s"' in l][warm:]
    rows[n] = {k: statistics.median(r[k] for r in recs) * 1000 for _, k in phases}
    rows[n]["reward"] = [round(r["reward"], 4) for r in recs]
print(f"vrft-tiny: {params:,} parameters; global batch 16 prompts x G=8; median over {len(recs)} steps after {warm} warm-up")
for n, what in (("1", "1 rank"), ("1s", "1 rank, reference in line"), ("2", "2 ranks"),
                ("2s", "2 ranks, reference in line")):
    print(f"before the {what} run: load average (1, 5, 15 min)", open(f"{out}/load{n}.txt").read().strip(),
          "| ms for the same loop on each core (should be equal):", open(f"{out}/cores{n}.txt").read().strip())
print()
print(f"| {'phase (rank 0, ms)':<24} | {'1 rank (ref. thread)':>20} | {'1 rank x 1 thread':>17} | {'2 ranks x 1 thread':>18} | {'2 vs 1':>6} | {'2 vs 1x1':>8} |")
print(f"| {'-'*24} | {'-'*19}: | {'-'*16}: | {'-'*17}: | {'-'*5}: | {'-'*7}: |")
def ratio(a, b):
    return f"{a / b:.2f}x" if b > 0 else "-"
for name, k in phases:
    a, s1, b = rows["1"][k], rows["1s"][k], rows["2"][k]
    print(f"| {name:<24} | {a:>20.1f} | {s1:>17.1f} | {b:>18.1f} | {ratio(a, b):>6} | {ratio(s1, b):>8} |")
sp = {n: 1000 / rows[n]["step_time_s"] for n in rows}
print(f"| {'steps per second':<24} | {sp['1']:>20.3f} | {sp['1s']:>17.3f} | {sp['2']:>18.3f} | {sp['2'] / sp['1']:>5.2f}x | {sp['2'] / sp['1s']:>7.2f}x |")
# one rank keeps its second core busy only while the reference scores; two ranks that split all of the work evenly
# and lost nothing to waiting or communication would each take half of it
work = rows["1"]["step_time_s"] - rows["1"]["time/reference_s"] + rows["1"]["time/reference_cpu_s"]
print(f"| {'no-loss bound (work / 2)':<24} | {'':>20} | {'':>17} | {work / 2:>18.1f} | {2 * rows['1']['step_time_s'] / work:>5.2f}x | {'':>8} |")
s2 = rows["2s"]
print(f"2 ranks with the reference in line too (each rank strictly one thread): whole step {s2['step_time_s']:.1f} ms,"
      f" sampling {s2['time/sampling_s']:.1f} ms, {sp['2s']:.3f} steps/s = {sp['2s'] / sp['1s']:.2f}x the 1 rank x 1 thread"
      f" run, {sp['2s'] / sp['1']:.2f}x the 1 rank run")
print()
for n, what in (("1", "1 rank"), ("1s", "1 rank, 1 thread"), ("2", "2 ranks"), ("2s", "2 ranks, 1 thread each")):
    print(f"reward curve, {what}:", rows[n]["reward"])
print("target: 2 ranks x 1 thread >= 1.7x the steps per second of 1 rank x 1 thread")
PY
