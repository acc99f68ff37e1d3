#!/usr/bin/env bash
# Writes bench/qwenvl/hf-check/{qwen25vl-tiny,qwen3vl-tiny}/{merged-f32,merged-bf16}: LoRA-merged saves of the two
# oracle models and our outputs on them, for bench/peer/qwenvl_hf_check.py (run where torch + transformers >= 5 are).
# The folders are build outputs (git-ignored, about 21 MB): make them here, then carry them to the GPU machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export OMP_WAIT_POLICY=PASSIVE
T=target-bench
FIX=${1:-$( [ -d fixtures/qwen25vl-tiny ] && echo fixtures || echo ../shared/fixtures )}
mvn -q -o -Dvrft.target=$T -pl model -am -DskipTests compile dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=$PWD/model/$T/cp.txt >/dev/null
CP="model/$T/classes:core/$T/classes:$(cat model/$T/cp.txt)"
for f in qwen25vl-tiny qwen3vl-tiny; do
  java -Xmx2g -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/visual-rft/javacpp" \
    -cp "$CP" bench/qwenvl/ExportQwenVlHfCheck.java "$FIX/$f" "bench/qwenvl/hf-check/$f"
done
