#!/usr/bin/env bash
# Eager against fused attention without autograd on the CPU, float32 and bf16 (AttentionBench.java): the measurement
# behind qwen2vl.Attention's choice (fused in float32, eager in bf16). Usage: bench/model/attention.sh [THREADS] (2)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=bench/out/attention
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-bench -pl model -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="model/target-bench/classes:core/target-bench/classes:$(cat "$OUT/cp.txt")"
exec java -Xmx2g -Dai.djl.offline=true -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 \
  -cp "$CP" bench/model/AttentionBench.java "${1:-2}"
