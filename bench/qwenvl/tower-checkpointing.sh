#!/usr/bin/env bash
# Activation checkpointing of a trained vision tower (gradient_checkpointing with freeze_vision_modules: false): one
# GRPO step's training forward and backward of a Qwen3-VL shape with a 2B-width-halved, 8-block tower (DeepStack taps at
# blocks 1, 3, 5) and a small language model with LoRA, f32 on the CPU, in three modes, interleaved, RUNS times each:
#   plain       no checkpointing (the tower and the layers keep their activations)
#   layers      the language model's layers checkpointed, the tower's blocks not (before the tower was checkpointed)
#   tower+layers both checkpointed (what gradient_checkpointing: true does now)
# Prints min and median of: the tower's forward with autograd, the language model's forward, the backward, the resident
# growth over the training forward (tower + layers: the activations kept for the backward) and the peak (VmHWM).
# Usage: bench/qwenvl/tower-checkpointing.sh [RUNS] [IMAGE_PX] [THREADS]   (defaults 3, 512, 2)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS="${1:-3}"
PX="${2:-512}"
THREADS="${3:-2}"
OUT=bench/out/tower-checkpointing
mkdir -p "$OUT"
rm -f "$OUT"/*.log
args=(--config bench/qwenvl/qwen3vl-vision-config.json --dtype f32 --group 2 --new 8 --image "$PX" --tower 1 --threads "$THREADS")
for r in $(seq 1 "$RUNS"); do
  bench/qwenvl/run.sh "${args[@]}" --checkpointing 0 > "$OUT/plain-$r.log" 2>&1
  bench/qwenvl/run.sh "${args[@]}" --checkpointing 1 --tower-checkpointing 0 > "$OUT/layers-$r.log" 2>&1
  bench/qwenvl/run.sh "${args[@]}" --checkpointing 1 > "$OUT/tower+layers-$r.log" 2>&1
  echo "round $r done ($(uptime | sed 's/.*load/load/'))"
done
grep -h "^prompt:" "$OUT/plain-1.log"
python3 - "$OUT" "$RUNS" <<'PY'
import re, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
def num(pattern, text):
    return float(re.search(pattern, text).group(1))
print("| mode | tower forward s | layers forward s | backward s | training-forward resident growth GiB | peak (VmHWM) GiB |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for mode in ["plain", "layers", "tower+layers"]:
    rows = []
    for r in range(1, runs + 1):
        t = open(f"{out}/{mode}-{r}.log").read()
        before = num(r"reference log-probs [0-9.]+ s \| rss ([0-9.]+) GiB", t)
        after = num(r"policy log-probs with autograd .* s \| rss ([0-9.]+) GiB", t)
        rows.append([num(r"vision tower with autograd \(\d+ patches\) ([0-9.]+) s", t),
                     num(r"policy log-probs with autograd \([^)]*\) ([0-9.]+) s", t),
                     num(r"loss \+ backward ([0-9.]+) s", t), after - before,
                     num(r"VmHWM\): ([0-9.]+) GiB", t)])
    cells = []
    for k in range(5):
        col = [row[k] for row in rows]
        cells.append(f"{min(col):.2f} / {statistics.median(col):.2f}")
    print(f"| {mode} (min / median of {runs}) | " + " | ".join(cells) + " |")
PY
