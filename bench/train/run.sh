#!/usr/bin/env bash
# Benchmark of one GRPO step (8 prompts x G = 8, up to 40 new tokens, beta 0.04) of the built-in VLM (vrft-tiny,
# default size) through the Java trainer, against its PyTorch-eager twin (bench/peer/grpo_step_twin.py, Debian's
# /usr/bin/python3 with python3-torch 1.13) on the very same model.safetensors and prompts.
# The twin runs twice: with Debian's stock BLAS (BLAS_INFO=generic) and with the OpenBLAS that Bytedeco's libtorch
# uses preloaded (the fair row: same matrix-product library on both sides).
# The Java step also records each step's breakdown in metrics.jsonl (bench/out/grpo/run).
# The Java trainer scores the reference model on a second thread while it samples; JAVA_BENCH_OPTS=-Dvrft.train.refThread=false
# measures it in line.
# Usage: bench/train/run.sh [ROUNDS] [THREADS]      (defaults 5 and 1; STOCK=1 adds the stock-BLAS twin row, slow)
#        bench/train/run.sh --smoke                  (CI: one timed step of the Java side only, no twin; seconds)
set -euo pipefail
cd "$(dirname "$0")/../.."
SMOKE=0
if [[ "${1:-}" == --smoke ]]; then SMOKE=1; shift; set -- 1 1; fi
ROUNDS="${1:-5}"
THREADS="${2:-1}"
OUT=bench/out/grpo
export OMP_WAIT_POLICY=PASSIVE
# Bytedeco's OpenBLAS starts its own thread pool (one thread per core) unless told otherwise; Engine.setThreads only
# sets libtorch's intra-op threads. On 2 loaded cores that pool made every matrix product 5-15x slower (measured:
# sampling 4.0 s -> 0.2 s per group). Both sides of every comparison run with the same setting.
export OPENBLAS_NUM_THREADS="${THREADS:-1}"
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-trbench -pl train -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="train/target-trbench/classes:model/target-trbench/classes:core/target-trbench/classes:$(cat "$OUT/cp.txt")"
LOAD0=$(cut -d' ' -f1 /proc/loadavg)
# DJL (the tokenizer library) logs through SLF4J; without a binding on this class path, discard it quietly
JAVA_JSON=$(java -Xmx2g ${JAVA_BENCH_OPTS:-} -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider \
  -Dslf4j.internal.verbosity=WARN -cp "$CP" bench/train/GrpoStepBench.java "$OUT" "$ROUNDS" "$THREADS")
LOAD_JAVA=$(cut -d' ' -f1 /proc/loadavg)
if [[ $SMOKE == 1 ]]; then
  echo "smoke run (Java side, 1 timed step, no twin): $JAVA_JSON"
  exit 0
fi
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "Java: $JAVA_JSON"
  echo "no peer row: /usr/bin/python3 cannot import torch (Debian: apt-get install python3-torch)" >&2
  exit 1
fi
TWIN_STOCK='{}'
if [[ "${STOCK:-0}" == 1 ]]; then
  TWIN_STOCK=$(/usr/bin/python3 bench/peer/grpo_step_twin.py "$OUT" "$ROUNDS" "$THREADS")
fi
OPENBLAS=$(find ~/.cache/visual-rft/javacpp ~/.javacpp/cache -path '*openblas-*/linux-x86_64/libopenblas.so.0' \
  2>/dev/null | head -n 1)
TWIN_JSON=$(OPENBLAS_NUM_THREADS="$THREADS" LD_PRELOAD="$OPENBLAS" /usr/bin/python3 bench/peer/grpo_step_twin.py \
  "$OUT" "$ROUNDS" "$THREADS")
LOAD_TWIN=$(cut -d' ' -f1 /proc/loadavg)
/usr/bin/python3 - "$JAVA_JSON" "$TWIN_JSON" "$TWIN_STOCK" "$LOAD0" "$LOAD_JAVA" "$LOAD_TWIN" <<'PY'
import json, sys
j, t, s = (json.loads(a) for a in sys.argv[1:4])
print(f"vrft-tiny: {j['params']:,} parameters, {j['threads']} intra-op thread(s); twin: torch {t['torch']}")
print(f"load average (1 min): before {sys.argv[4]}, after Java {sys.argv[5]}, after twins {sys.argv[6]}")
print(f"completion tokens per step: Java {j['tokens_per_step']:.0f}, twin {t['tokens_per_step']:.0f} (of 8 x 8 x 40 = 2560)")
print()
print(f"| {'one GRPO step, 8 prompts x G=8':<36} | {'median ms':>9} | {'min ms':>7} | {'Java / this':>11} |")
print(f"| {'-'*36} | {'-'*9}: | {'-'*7}: | {'-'*11}: |")
print(f"| {'Java (libtorch 2.10, facade)':<36} | {j['step_ms']:>9.0f} | {j['step_ms_min']:>7.0f} | {'1.00x':>11} |")
print(f"| {'twin, same OpenBLAS (target row)':<36} | {t['step_ms']:>9.0f} | {t['step_ms_min']:>7.0f} | "
      f"{j['step_ms'] / t['step_ms']:>10.2f}x |")
if s:
    print(f"| {'twin, Debian stock BLAS':<36} | {s['step_ms']:>9.0f} | {s['step_ms_min']:>7.0f} | "
          f"{j['step_ms'] / s['step_ms']:>10.2f}x |")
print()
print("target: Java <= 0.8x the twin's time")
PY
