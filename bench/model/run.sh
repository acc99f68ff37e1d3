#!/usr/bin/env bash
# Benchmark of the built-in VLM (vrft-tiny, default size) against its PyTorch-eager twin (bench/peer/tiny_vlm_twin.py,
# Debian's /usr/bin/python3 with python3-torch), both on the very same config.json + model.safetensors:
#   sampling tokens/s at G = 8 (temperature 1, top-k 50, up to 40 new tokens, one prefill + KV cache)
#   one forward+backward of a group of 8 completions × 40 tokens (log-probs with autograd, loss = their sum)
# The twin first checks that it computes the Java model's logits (max |difference| is printed).
# Java and twin runs alternate PASSES times; each side's best pass is reported (on a shared machine the best pass is
# the one least disturbed by other jobs), with the load average next to it.
# Usage: bench/model/run.sh [ROUNDS] [THREADS] [PASSES]     (defaults 20, 1, 3; one intra-op thread wins here)
#        bench/model/run.sh --smoke                          (CI: one Java round, no twin; seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
SMOKE=0
if [[ "${1:-}" == --smoke ]]; then SMOKE=1; shift; set -- 1 1 1; fi
ROUNDS="${1:-20}"
THREADS="${2:-1}"
PASSES="${3:-3}"
OUT=bench/out/tiny
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-bench -pl model -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="model/target-bench/classes:core/target-bench/classes:$(cat "$OUT/cp.txt")"
run_java() {
  java -Xmx2g -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN -cp "$CP" bench/model/TinyBench.java "$OUT" "$ROUNDS" "$THREADS" 2>/dev/null
}
run_twin() {
  /usr/bin/python3 bench/peer/tiny_vlm_twin.py "$OUT/model" "$OUT/check.safetensors" "$ROUNDS" "$THREADS"
}
load() { cut -d' ' -f1 /proc/loadavg; }
if [[ $SMOKE == 1 ]]; then
  echo "smoke run (Java side, 1 round, no twin): $(run_java)"
  exit 0
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "Java: $(run_java)"
  echo "no peer row: /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch)" >&2
  exit 1
fi
run_java >/dev/null  # writes the model folder and check file the twin reads
# Debian's torch 1.13 is built with BLAS_INFO=generic (the reference BLAS: ~3 GFLOP/s here). For a comparison of
# the two runtimes rather than of two BLAS libraries, the twin runs with the OpenBLAS that Bytedeco's libtorch uses
# preloaded (its sgemm_ then serves torch's matrix products); those rows are the ones the targets refer to.
OPENBLAS=$(find ~/.cache/visual-rft/javacpp ~/.javacpp/cache -path '*openblas-*/linux-x86_64/libopenblas.so.0' \
  2>/dev/null | head -n 1)
RESULTS=()
for _ in $(seq "$PASSES"); do
  RESULTS+=("java $(load) $(run_java)")
  RESULTS+=("twin $(load) $(OPENBLAS_NUM_THREADS="$THREADS" LD_PRELOAD="$OPENBLAS" run_twin)")
done
RESULTS+=("stock $(load) $(run_twin)")
printf '%s\n' "${RESULTS[@]}" > "$OUT/results.txt"
/usr/bin/python3 - "$OUT/results.txt" <<'PY'
import json, sys
runs = {"java": [], "twin": [], "stock": []}
for line in open(sys.argv[1]):
    kind, load, js = line.split(" ", 2)
    d = json.loads(js); d["load"] = float(load); runs[kind].append(d)
def best(rs, key, high):
    return (max if high else min)(rs, key=lambda d: d[key])
j0, t0, s = runs["java"][0], runs["twin"][0], runs["stock"][0]
print(f"vrft-tiny: {j0['params']:,} parameters, {j0['threads']} intra-op thread(s); twin: torch {t0['torch']}; "
      f"best of {len(runs['java'])} alternating passes; prompt = {j0['prompt_positions']} positions (image + text)")
print(f"twin vs Java logits: max |difference| = {t0['max_abs_logit_diff']:.2e}"
      + ("  (OK)" if t0['max_abs_logit_diff'] < 1e-3 else "  (MISMATCH)")
      + f"; twin plain vs shared-prefix log-probs: {t0['shared_prefix_max_diff']:.2e}")
print("all passes (tokens/s, ms, load): java " + "; ".join(
    f"{d['sample_tokens_per_s']:.0f}, {d['fwd_bwd_ms']:.0f}, {d['load']}" for d in runs["java"])
    + " | twin " + "; ".join(f"{d['sample_tokens_per_s']:.0f}, {d['fwd_bwd_ms']:.0f}, {d['load']}" for d in runs["twin"]))
print()
print(f"| {'measure':<40} | {'Java (libtorch 2.10)':>20} | {'twin, same OpenBLAS':>20} | {'ratio':>6} | target |")
print(f"| {'-'*40} | {'-'*19}: | {'-'*19}: | {'-'*5}: | ------ |")
js, ts = best(runs["java"], "sample_tokens_per_s", True), best(runs["twin"], "sample_tokens_per_s", True)
print(f"| {'sampling G=8, tokens/s (higher better)':<40} | {js['sample_tokens_per_s']:>11.0f} (load {js['load']:>4}) | "
      f"{ts['sample_tokens_per_s']:>11.0f} (load {ts['load']:>4}) | {js['sample_tokens_per_s'] / ts['sample_tokens_per_s']:>5.2f}x | >= 1.5x |")
jf, tf = best(runs["java"], "fwd_bwd_ms", False), best(runs["twin"], "fwd_bwd_ms", False)
tsh = best(runs["twin"], "fwd_bwd_shared_ms", False)
print(f"| {'forward+backward 8 x 40 tokens, ms':<40} | {jf['fwd_bwd_ms']:>11.1f} (load {jf['load']:>4}) | "
      f"{tf['fwd_bwd_ms']:>11.1f} (load {tf['load']:>4}) | {jf['fwd_bwd_ms'] / tf['fwd_bwd_ms']:>5.2f}x | <= 0.8x |")
print(f"| {'  same, twin also sharing the prefix':<40} | {jf['fwd_bwd_ms']:>11.1f} (load {jf['load']:>4}) | "
      f"{tsh['fwd_bwd_shared_ms']:>11.1f} (load {tsh['load']:>4}) | {jf['fwd_bwd_ms'] / tsh['fwd_bwd_shared_ms']:>5.2f}x | <= 0.8x |")
print()
print(f"twin with Debian's stock BLAS (BLAS_INFO=generic), one pass, load {s['load']}: sampling "
      f"{s['sample_tokens_per_s']:.0f} tokens/s, forward+backward {s['fwd_bwd_ms']:.1f} ms")
PY
