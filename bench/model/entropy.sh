#!/usr/bin/env bash
# What the per-position entropy (top_entropy_quantile's mask and the `entropy` metric) costs in a GRPO forward:
# GroupLogProbs.entropies() against the log-softmax + gather the forward computes anyway, on float32 logits of ROWS
# positions × Qwen's vocabulary (151,936), and the peer: TRL's entropy_from_logits (chunks of 128 rows) in Debian's
# PyTorch 1.13 on the same shape. One intra-op thread each by default. Prints a table with the ratio to the peer.
# Usage: bench/model/entropy.sh [ROWS] [ROUNDS] [THREADS]      (defaults 256 = G 8 × 32 tokens, 7, 1)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${1:-256}"
ROUNDS="${2:-7}"
THREADS="${3:-1}"
VOCAB=151936
OUT=bench/out/entropy
export OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS="$THREADS"
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-bench -pl model -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="model/target-bench/classes:core/target-bench/classes:$(cat "$OUT/cp.txt")"
JAVA_JSON=$(java -Xmx4g -Dai.djl.offline=true -cp "$CP" bench/model/EntropyBench.java "$ROWS" "$VOCAB" "$ROUNDS" \
  "$THREADS")
PEER_JSON=$(/usr/bin/python3 - "$ROWS" "$VOCAB" "$ROUNDS" "$THREADS" <<'PY'
import json, statistics, sys, time
import torch
import torch.nn.functional as F
rows, vocab, rounds, threads = map(int, sys.argv[1:])
torch.set_num_threads(threads)
torch.manual_seed(1)
logits = torch.randn(1, rows, vocab) * 3
targets = torch.randint(0, vocab, (1, rows))

def entropy_from_logits(x, chunk=128):  # TRL's definition (trl/trainer/utils.py)
    flat = x.reshape(-1, x.shape[-1])
    out = []
    for c in flat.split(chunk, dim=0):
        lp = F.log_softmax(c, dim=-1)
        out.append(-(torch.exp(lp) * lp).sum(-1))
    return torch.cat(out).reshape(x.shape[:-1])

lsm_ms, ent_ms = [], []
with torch.no_grad():
    for k in range(rounds + 2):
        t0 = time.perf_counter()
        lp = F.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        t1 = time.perf_counter()
        h = entropy_from_logits(logits)
        t2 = time.perf_counter()
        if k >= 2:
            lsm_ms.append((t1 - t0) * 1e3)
            ent_ms.append((t2 - t1) * 1e3)
print(json.dumps({"log_softmax_gather_ms": statistics.median(lsm_ms), "entropies_ms": statistics.median(ent_ms),
                  "mean_entropy": h.mean().item()}))
PY
)
/usr/bin/python3 - "$JAVA_JSON" "$PEER_JSON" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, sys
j, p, load = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
print(f"rows {j['rows']} x vocab {j['vocab']}, float32, median ms (load {load})")
print(f"{'':32} {'Java (libtorch 2.10)':>22} {'PyTorch 1.13 (TRL)':>20} {'ratio':>7}")
for k, name in [("log_softmax_gather_ms", "log-softmax + gather (anyway)"), ("entropies_ms", "entropies")]:
    print(f"{name:32} {j[k]:>22.1f} {p[k]:>20.1f} {j[k] / p[k]:>7.2f}")
print(f"entropies / log-softmax + gather: Java {j['entropies_ms'] / j['log_softmax_gather_ms']:.2f}, "
      f"peer (which also recomputes the log-softmax) {p['entropies_ms'] / p['log_softmax_gather_ms']:.2f}; "
      f"mean entropy Java {j['mean_entropy']:.4f}, peer {p['mean_entropy']:.4f} (each draws its own N(0, 9) logits)")
PY
