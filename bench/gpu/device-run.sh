#!/usr/bin/env bash
# Runs ON the GPU machine (after the bundle's parts were stored, see docs/gpu.md): the engine check, the GPU tests,
# the Java benchmark and the transformers peer, one after the other, each with a time limit; logs go to $OUT.
# usage: bash bench/gpu/device-run.sh [tests|bench|peer|all|qwenvl]...   (default: all; qwenvl only when named)
set -u
out=${OUT:-/tmp/vrft-gpu-out}; mkdir -p "$out"
what=${*:-all}
export VRFT_CP=".gpu/lib/*:.gpu/lib/bench"
# the oracle folders: the repository's fixtures/ (tracked, so they travel with the working tree), else prepare.sh's copy
fx=fixtures; [[ -d $fx/qwen3vl-tiny && -d $fx/qwen2vl-tiny && -d $fx/grpo ]] || fx=.gpu/fixtures
jvm=(-Xmx16g -XX:ErrorFile=$out/hs_err_%p.log -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 -Dvrft.fixtures=$fx -Dai.djl.offline=true)
step() { local name=$1 limit=$2; shift 2; echo "== $name"; local a=$(date +%s)
  timeout "$limit" "$@" > "$out/$name.log" 2>&1; local rc=$?
  tail -n 40 "$out/$name.log"; echo "== $name: exit $rc in $(( $(date +%s) - a )) s"; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
bash .gpu/device-step.sh > "$out/bundle.log" 2>&1; tail -n 2 "$out/bundle.log"
has() { [[ " $what " == *" all "* || " $what " == *" $1 "* ]]; }
has tests && step doctor 60 bash .gpu/device-step.sh java "${jvm[@]}" org.visualrft.app.Main doctor
# the CUDA tests: Qwen2-VL, Qwen2.5-VL/Qwen3-VL and vrft-tiny against their oracles or the CPU, the GRPO loss oracle in
# float64, a short SFT+GRPO run of vrft-tiny whose reward must rise (each prints "skipped" without a GPU), one NCCL
# rank training what a single process trains, the image reused across a GRPO step, and the CLI's generate/train
# --device cuda for every family
has tests && step tests 300 bash .gpu/device-step.sh java "${jvm[@]}" org.junit.platform.console.ConsoleLauncher \
  execute --disable-banner --details=tree --class-path=".gpu/lib/model-tests.jar:.gpu/lib/train-tests.jar:.gpu/lib/app-tests.jar" \
  --select-class=org.visualrft.model.qwen2vl.CudaQwen2VLTest --select-class=org.visualrft.model.qwenvl.CudaQwenVlTest \
  --select-class=org.visualrft.model.tiny.CudaTinyVlmTest --select-class=org.visualrft.model.policy.CudaPolicyTest \
  --select-class=org.visualrft.train.grpo.CudaGrpoLossOracleTest --select-class=org.visualrft.train.optim.CudaAdamWTest \
  --select-class=org.visualrft.train.CudaShortRunTest --select-class=org.visualrft.train.dist.CudaNcclRunTest \
  --select-class=org.visualrft.train.grpo.CudaVisionReuseTest --select-class=org.visualrft.app.DeviceCliTest
has bench && step java-bench 200 bash .gpu/device-step.sh java "${jvm[@]}" Qwen2VLGpuBench \
  --config bench/qwen2vl/qwen2vl-2b-config.json ${BENCH_ARGS:-}
# the optimiser update's peak GPU memory above the state (clipping + AdamW, 1 B bf16 parameters in 40 tensors):
# a few bytes per element of the largest tensor expected, where it once held 32 bytes per parameter
has bench && step optimizer-memory 120 bash .gpu/device-step.sh java "${jvm[@]}" OptimizerStepMemory 1000 40 cuda
# Qwen2.5-VL / Qwen3-VL: one LoRA GRPO step of the 2B configuration on the GPU (device decode loop); only when asked
[[ " $what " == *" qwenvl "* ]] && step qwenvl-bench 200 bash .gpu/device-step.sh java "${jvm[@]}" QwenVlBench \
  --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 8 --new 64 --image 448
# the same step with activation checkpointing (gradient_checkpointing): peak GPU memory and time against the line above
[[ " $what " == *" qwenvl "* ]] && step qwenvl-bench-checkpointing 200 bash .gpu/device-step.sh java "${jvm[@]}" QwenVlBench \
  --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 8 --new 64 --image 448 --checkpointing 1
# the Qwen2.5/3-VL rollout engines on the GPU: growing-cache device loop vs static cache (eager, CUDA graph), 1 and 8 prompts
[[ " $what " == *" qwenvl "* ]] && step qwenvl-engines-1 150 bash .gpu/device-step.sh java "${jvm[@]}" QwenVlBench \
  --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --engines 1 --group 8 --new 256 --image 448 --repeat 2
[[ " $what " == *" qwenvl "* ]] && step qwenvl-engines-8 200 bash .gpu/device-step.sh java "${jvm[@]}" QwenVlBench \
  --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --engines 8 --group 8 --new 256 --image 448 --repeat 2
has peer && step hf-peer 180 python3 bench/peer/qwen2vl_hf_gpu.py bench/qwen2vl/qwen2vl-2b-config.json ${PEER_ARGS:-}
echo "== done"
