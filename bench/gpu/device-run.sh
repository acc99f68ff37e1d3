#!/usr/bin/env bash
# Runs ON the GPU machine (after the bundle's parts were stored, see docs/gpu.md): the engine check, the GPU tests,
# the Java benchmark and the transformers peer, one after the other, each with a time limit; logs go to $OUT.
# usage: bash bench/gpu/device-run.sh [tests|bench|peer|all]...   (default: all)
set -u
out=${OUT:-/tmp/vrft-gpu-out}; mkdir -p "$out"
what=${*:-all}
export VRFT_CP=".gpu/lib/*:.gpu/lib/bench"
jvm=(-Xmx16g -XX:ErrorFile=$out/hs_err_%p.log -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 -Dvrft.fixtures=.gpu/fixtures)
step() { local name=$1 limit=$2; shift 2; echo "== $name"; local a=$(date +%s)
  timeout "$limit" "$@" > "$out/$name.log" 2>&1; local rc=$?
  tail -n 40 "$out/$name.log"; echo "== $name: exit $rc in $(( $(date +%s) - a )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
bash .gpu/device-step.sh > "$out/bundle.log" 2>&1; tail -n 2 "$out/bundle.log"
has() { [[ " $what " == *" all "* || " $what " == *" $1 "* ]]; }
has tests && step doctor 60 bash .gpu/device-step.sh java "${jvm[@]}" org.visualrft.app.Main doctor
has tests && step tests 120 bash .gpu/device-step.sh java "${jvm[@]}" org.junit.platform.console.ConsoleLauncher \
  execute --disable-banner --details=tree --class-path=".gpu/lib/model-tests.jar:.gpu/lib/train-tests.jar" \
  --select-class=org.visualrft.model.qwen2vl.CudaQwen2VLTest --select-class=org.visualrft.train.grpo.CudaGrpoLossOracleTest
has bench && step java-bench 200 bash .gpu/device-step.sh java "${jvm[@]}" Qwen2VLGpuBench \
  --config bench/qwen2vl/qwen2vl-2b-config.json ${BENCH_ARGS:-}
has peer && step hf-peer 180 python3 bench/peer/qwen2vl_hf_gpu.py bench/qwen2vl/qwen2vl-2b-config.json ${PEER_ARGS:-}
echo "== done"
