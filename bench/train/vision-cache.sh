#!/usr/bin/env bash
# GRPO steps of a Qwen2-VL-shaped model through the real trainer: each prompt's image encoded once per step and
# reused (the default) against encoded in sampling, the reference and every policy forward
# (-Dvrft.train.visionCache=false, the behaviour before). See VisionCacheBench.java and docs/training.md
# ("One vision forward per prompt").
# With TOWER=trained: full fine-tuning with the vision tower frozen against trained (freeze_vision_modules).
# Usage: bench/train/vision-cache.sh [RUNS] [CONFIG] [NUM_ITERATIONS] [TOWER: lora | trained]
#        (defaults 3, bench/qwen2vl/qwen2vl-small-config.json, 1, lora)
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS="${1:-3}"
CONFIG="${2:-bench/qwen2vl/qwen2vl-small-config.json}"
MU="${3:-1}"
TOWER="${4:-lora}"
OUT=bench/out/vision-cache
T=target-vcbench
export OMP_WAIT_POLICY=PASSIVE
export OPENBLAS_NUM_THREADS=1 # see bench/train/run.sh: Bytedeco's OpenBLAS pool otherwise oversubscribes the cores
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=$T -pl train -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="train/$T/classes:model/$T/classes:model/$T/test-classes:core/$T/classes:$(cat "$OUT/cp.txt")"
exec java -Xmx2g -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider \
  -Dslf4j.internal.verbosity=WARN -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/visual-rft/javacpp" -cp "$CP" \
  bench/train/VisionCacheBench.java "$OUT" "${VRFT_FIXTURES:-fixtures}" "$RUNS" "$CONFIG" "$MU" "$TOWER"
