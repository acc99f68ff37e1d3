#!/usr/bin/env bash
# Data-parallel GRPO on one machine: the same global batch (16 prompts x G = 8, up to 40 new tokens, beta 0.04) as
# 1 rank x 1 thread (per_device_train_batch_size 16) against 2 ranks x 1 thread (--nproc 2, 8 prompts each), through
# the real CLI (`visual-rft train grpo --nproc N`, c10d Gloo on loopback). Prints one table: the median per-phase
# times of rank 0 over ROUNDS steps after WARM warm-up steps, steps per second, and the ratio. The warm-up covers the
# JIT: each JVM compiles the same code, and two ranks compile it twice on the cores the training shares, while one
# rank compiles on its idle second core; after three steps the compilers are mostly quiet.
# Usage: bench/train/dp.sh [ROUNDS] [WARM]     (defaults 6 and 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-6}"
WARM="${2:-3}"
OUT=bench/out/dp
export OMP_WAIT_POLICY=PASSIVE
export OPENBLAS_NUM_THREADS=1 # Bytedeco's OpenBLAS otherwise starts one thread per core in every rank
rm -rf "$OUT"
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-dpbench -pl app -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="app/target-dpbench/classes:train/target-dpbench/classes:model/target-dpbench/classes:core/target-dpbench/classes:$(cat "$OUT/cp.txt")"
JAVA=(java -Xmx2g -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN --add-exports=java.base/sun.nio.ch=ALL-UNNAMED -cp "$CP")
PARAMS=$("${JAVA[@]}" bench/train/DataParallelSetup.java "$OUT")
for n in 1 2; do
  cat > "$OUT/run$n.yaml" <<YAML
model: $OUT/model
dataset: $OUT/train.jsonl
output_dir: $OUT/run$n
num_generations: 8
per_device_train_batch_size: $((16 / n))
gradient_accumulation_steps: 1
max_completion_length: 40
temperature: 1.0
top_k: 50
beta: 0.04
learning_rate: 1.0e-6
max_steps: $((WARM + ROUNDS))
save_steps: 100000
logging_steps: 1
reward_funcs: [accuracy, format]
reward_mode: strict
threads: 1
seed: 3
YAML
  cut -d' ' -f1-3 /proc/loadavg > "$OUT/load$n.txt" # other work on the 2 cores distorts the ratio: printed below
  # A virtual CPU can run slower than its sibling when the host loads the physical core under it (seen here: the
  # same loop took 230 ms on one vCPU and 440 ms on the other, with no steal time reported). One rank uses one core,
  # two ranks need both: time the same loop on each core before each run, and print it with the table.
  for c in $(seq 0 $(($(nproc) - 1))); do
    taskset -c "$c" /usr/bin/python3 -c 'import time
t = time.process_time(); s = 0
for i in range(2000000): s += i * i
print(round((time.process_time() - t) * 1000), end=" ")'
  done > "$OUT/cores$n.txt"
  /usr/bin/time -f "%e" -o "$OUT/wall$n.txt" "${JAVA[@]}" org.visualrft.app.Main train grpo --config "$OUT/run$n.yaml" \
    --nproc "$n" > "$OUT/log$n.txt" 2>&1
done
/usr/bin/python3 - "$OUT" "$WARM" "$PARAMS" <<'PY'
import json, statistics, sys
out, warm, params = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
phases = [("sampling", "time/sampling_s"), ("reference (wait)", "time/reference_s"),
          ("reference (its CPU time)", "time/reference_cpu_s"),
          ("forward+backward", "time/backward_s"), ("allreduce", "time/allreduce_s"),
          ("optimiser (clip+AdamW)", "time/optimizer_s"), ("whole step", "step_time_s")]
rows = {}
for n in (1, 2):
    recs = [json.loads(l) for l in open(f"{out}/run{n}/metrics.jsonl") if '"step_time_s"' in l][warm:]
    rows[n] = {k: statistics.median(r[k] for r in recs) * 1000 for _, k in phases}
    rows[n]["reward"] = [round(r["reward"], 4) for r in recs]
print(f"vrft-tiny: {params:,} parameters; global batch 16 prompts x G=8; median over {len(recs)} steps after {warm} warm-up")
print("load average (1, 5, 15 min) before the 1-rank run:", open(f"{out}/load1.txt").read().strip(),
      "| before the 2-rank run:", open(f"{out}/load2.txt").read().strip())
print("ms for the same loop on each core (should be equal) before the 1-rank run:", open(f"{out}/cores1.txt").read().strip(),
      "| before the 2-rank run:", open(f"{out}/cores2.txt").read().strip())
print()
print(f"| {'phase (rank 0, ms)':<24} | {'1 rank x 1 thread':>17} | {'2 ranks x 1 thread':>18} | {'speed-up':>8} |")
print(f"| {'-'*24} | {'-'*16}: | {'-'*17}: | {'-'*7}: |")
for name, k in phases:
    a, b = rows[1][k], rows[2][k]
    print(f"| {name:<24} | {a:>17.1f} | {b:>18.1f} | {a / b if b > 0 else float('nan'):>7.2f}x |")
s1, s2 = 1000 / rows[1]["step_time_s"], 1000 / rows[2]["step_time_s"]
print(f"| {'steps per second':<24} | {s1:>17.3f} | {s2:>18.3f} | {s2 / s1:>7.2f}x |")
# one rank keeps its second core busy only while the reference scores; two ranks that split all of the work evenly
# and lost nothing to waiting or communication would each take half of it
work = rows[1]["step_time_s"] - rows[1]["time/reference_s"] + rows[1]["time/reference_cpu_s"]
print(f"| {'no-loss bound (work / 2)':<24} | {'':>17} | {work / 2:>18.1f} | {2 * rows[1]['step_time_s'] / work:>7.2f}x |")
print()
print("reward curve, 1 rank: ", rows[1]["reward"])
print("reward curve, 2 ranks:", rows[2]["reward"])
print("target: 2 ranks >= 1.7x the steps per second of 1 rank")
PY
