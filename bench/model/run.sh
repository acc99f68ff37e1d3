#!/usr/bin/env bash
# Benchmark of the built-in VLM (vrft-tiny, default size) against its PyTorch-eager twin (bench/peer/tiny_vlm_twin.py,
# Debian's /usr/bin/python3 with python3-torch), both on the very same config.json + model.safetensors:
#   sampling tokens/s at G = 8 (temperature 1, top-k 50, up to 40 new tokens, one prefill + KV cache)
#   one forward+backward of a group of 8 completions × 40 tokens (log-probs with autograd, loss = their sum)
# The twin first checks that it computes the Java model's logits (max |difference| is printed).
# Usage: bench/model/run.sh [ROUNDS] [THREADS]      (defaults 20 and 1: one intra-op thread wins at this size)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-20}"
THREADS="${2:-1}"
OUT=bench/out/tiny
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-bench -pl model -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -Dmdep.includeScope=runtime
CP="model/target-bench/classes:core/target-bench/classes:$(cat "$OUT/cp.txt")"
JAVA_JSON=$(java -Xmx2g -Dai.djl.offline=true -cp "$CP" bench/model/TinyBench.java "$OUT" "$ROUNDS" "$THREADS")
LOAD_JAVA=$(cut -d' ' -f1 /proc/loadavg)
# Debian's torch 1.13 is built with BLAS_INFO=generic (the reference BLAS: ~3 GFLOP/s here). For a comparison of
# the two runtimes rather than of two BLAS libraries, the twin runs a second time with the OpenBLAS that Bytedeco's
# libtorch uses preloaded (its sgemm_ then serves torch's matrix products); that row is the one the targets refer to.
TWIN_STOCK=$(/usr/bin/python3 bench/peer/tiny_vlm_twin.py "$OUT/model" "$OUT/check.safetensors" "$ROUNDS" "$THREADS")
OPENBLAS=$(find ~/.cache/visual-rft/javacpp ~/.javacpp/cache -path '*openblas-*/linux-x86_64/libopenblas.so.0' \
  2>/dev/null | head -n 1)
TWIN_JSON=$(OPENBLAS_NUM_THREADS="$THREADS" LD_PRELOAD="$OPENBLAS" /usr/bin/python3 bench/peer/tiny_vlm_twin.py \
  "$OUT/model" "$OUT/check.safetensors" "$ROUNDS" "$THREADS")
LOAD_TWIN=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 - "$JAVA_JSON" "$TWIN_JSON" "$LOAD_JAVA" "$LOAD_TWIN" "$TWIN_STOCK" <<'PY'
import json, sys
j, t, s = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[5])
print(f"vrft-tiny: {j['params']:,} parameters, {j['threads']} intra-op thread(s); twin: torch {t['torch']}")
print(f"twin vs Java logits: max |difference| = {t['max_abs_logit_diff']:.2e}"
      + ("  (OK)" if t['max_abs_logit_diff'] < 1e-3 else "  (MISMATCH)"))
print(f"load average (1 min) after Java run {sys.argv[3]}, after twin run {sys.argv[4]}")
print()
print(f"| {'measure':<44} | {'Java (libtorch 2.10)':>20} | {'twin, same OpenBLAS':>20} | {'ratio':>7} | target |")
print(f"| {'-'*44} | {'-'*20}: | {'-'*20}: | {'-'*7}: | ------ |")
r1 = j['sample_tokens_per_s'] / t['sample_tokens_per_s']
print(f"| {'sampling, G=8, tokens/s (higher is better)':<44} | {j['sample_tokens_per_s']:>20.0f} | "
      f"{t['sample_tokens_per_s']:>20.0f} | {r1:>6.2f}x | >= 1.5x |")
r2 = j['fwd_bwd_ms'] / t['fwd_bwd_ms']
print(f"| {'forward+backward, 8 x 40 tokens, ms':<44} | {j['fwd_bwd_ms']:>20.1f} | {t['fwd_bwd_ms']:>20.1f} | "
      f"{r2:>6.2f}x | <= 0.8x |")
print()
print("twin with Debian's stock BLAS (BLAS_INFO=generic), for reference:")
print(f"  sampling {s['sample_tokens_per_s']:.0f} tokens/s (Java {j['sample_tokens_per_s'] / s['sample_tokens_per_s']:.2f}x), "
      f"forward+backward {s['fwd_bwd_ms']:.1f} ms (Java {j['fwd_bwd_ms'] / s['fwd_bwd_ms']:.2f}x); "
      f"logit check {s['max_abs_logit_diff']:.2e}")
PY
