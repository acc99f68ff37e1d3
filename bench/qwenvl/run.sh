#!/usr/bin/env bash
# Qwen2.5-VL / Qwen3-VL LoRA GRPO-step benchmark (random weights of a real configuration, bf16), see docs/models.md.
# usage: bench/qwenvl/run.sh [QwenVlBench options]; default: Qwen3-VL-2B, G=2, 16 new tokens, 256x256 image.
# rollout_batch_groups: bench/qwenvl/run.sh --config bench/qwenvl/qwen3vl-small-config.json --prompts 8 --group 8 --new 32 --image 128 --threads 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export OMP_WAIT_POLICY=PASSIVE
# glibc keeps freed blocks for reuse and RSS then overstates what is live; a fixed mmap threshold returns large
# blocks to the system at once, so the peak we report is the real one. Not with --prompts (a speed comparison, no
# memory report): there every tensor over 1 MiB would be a fresh mmap and its page faults, which costs the batched
# decode's larger tensors far more than the peer's (measured: 2.5x slower instead of 2.4x faster).
if [[ " $* " != *" --prompts "* ]]; then
  export MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=1048576
fi
T=target-bench
mvn -q -o -Dvrft.target=$T -pl model -am -DskipTests compile dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=$PWD/model/$T/cp.txt >/dev/null
CP="model/$T/classes:core/$T/classes:$(cat model/$T/cp.txt)"
if [[ $# -eq 0 ]]; then set -- --config bench/qwenvl/qwen3vl-2b-config.json; fi
# JavaCPP caps native memory at 4 x -Xmx by default; the 2B model needs more than 8 GB
exec java -Xmx2g -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN -Dorg.bytedeco.javacpp.cachedir="$HOME/.cache/visual-rft/javacpp" \
  -cp "$CP" bench/qwenvl/QwenVlBench.java "$@"
