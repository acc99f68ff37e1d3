#!/usr/bin/env bash
# Writes bench/qwen2vl/hf-check/{merged-f32,merged-bf16}: LoRA-merged saves of the qwen2vl-tiny fixture model and our
# outputs on them, for bench/peer/qwen2vl_hf_check.py (run where torch + transformers are installed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export OMP_WAIT_POLICY=PASSIVE
T=target-bench
mvn -q -o -Dvrft.target=$T -pl model -am -DskipTests compile dependency:build-classpath -Dmdep.outputFile=$PWD/model/$T/cp.txt -DincludeScope=runtime >/dev/null
CP="model/$T/classes:core/$T/classes:$(cat model/$T/cp.txt)"
exec java -Xmx2g -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/visual-rft/javacpp" \
  -cp "$CP" bench/qwen2vl/ExportHfCheck.java "${1:-fixtures/qwen2vl-tiny}" "${2:-bench/qwen2vl/hf-check}"
