#!/usr/bin/env bash
# Runs ON the GPU machine (after the bundle's parts were stored, see docs/gpu.md): the engine check, the GPU tests,
# the Java benchmark and the transformers peer, one after the other, each with a time limit; logs go to $OUT.
# usage: bash bench/gpu/device-run.sh [tests|bench|peer|all|qwenvl]...   (default: all = tests bench peer; qwenvl
#        only when named)
# Environment: OUT (the logs' folder), VRFT_BUDGET_S (seconds the whole script may take, default 480: each step gets
# at most what is left of it, so the script ends and prints its summary before the run's timeout_s kills it; give
# the run a timeout_s at least 30 s above it), BENCH_ARGS, PEER_ARGS, OPT_ARGS (OptimizerStepMemory's, default
# "1000 40 cuda"), VRFT_JVM_OPTS (more JVM options), and for the
# dry run on a CPU of docs/gpu.md VRFT_DEVICE_STEP=bench/gpu/cpu-step.sh (instead of the bundle's .gpu/device-step.sh).
# At most 7 files land in $OUT (the run tool brings back 8): device-run.log (GPU, bundle, the summary), doctor.log,
# tests.log, java-bench.log, hf-peer.log, optimizer-memory.log, qwenvl.log; a JVM's crash report (hs_err) is appended
# to its step's log. Exit status: 0 when every step asked for passed, 1 when one failed, timed out or had no time
# left, 2 for an unknown part, 3 when the bundle or the jars are not on the machine (nothing else was run).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
what=${*:-all}
for w in $what; do
  case $w in tests|bench|peer|all|qwenvl) ;;
    *) echo "device-run.sh: unknown part '$w' (tests, bench, peer, all, qwenvl)" >&2; exit 2 ;;
  esac
done
has() { [[ " $what " == *" all "* && $1 != qwenvl || " $what " == *" $1 "* ]]; }
start=$(date +%s)
deadline=$(( start + ${VRFT_BUDGET_S:-480} ))
out=${OUT:-/tmp/vrft-gpu-out}; mkdir -p "$out"
log=$out/device-run.log
hs=$(mktemp -d /tmp/vrft-hs.XXXX)
export VRFT_CP=".gpu/lib/*:.gpu/lib/bench" PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 # no network there
stepper=${VRFT_DEVICE_STEP:-.gpu/device-step.sh} # the bundle's; bench/gpu/cpu-step.sh for a dry run on a CPU
# the oracle folders: the repository's fixtures/ (tracked, so they travel with the working tree), else prepare.sh's copy
fx=fixtures; [[ -d $fx/qwen3vl-tiny && -d $fx/qwen2vl-tiny && -d $fx/grpo ]] || fx=.gpu/fixtures
# shellcheck disable=SC2206 # VRFT_JVM_OPTS is a list of options
jvm=(-Xmx16g -XX:ErrorFile=$hs/hs_err_%p.log -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0
     -Dvrft.fixtures=$fx -Dai.djl.offline=true ${VRFT_JVM_OPTS:-})
failed=0
java=(bash "$stepper" java) # the bundle's script runs the bundled java with its environment; once ready, see below
say() { echo "$*" | tee -a "$log"; }
# step NAME LOG LIMIT COMMAND...: runs COMMAND for at most LIMIT seconds (less if the budget has less left), its
# output appended to $out/LOG.log; prints the step's last 40 lines and one verdict line
step() {
  local name=$1 file=$out/$2.log limit=$3; shift 3
  local left=$(( deadline - $(date +%s) - 10 ))
  if (( left < 20 )); then say "== $name: NOT RUN, the budget (VRFT_BUDGET_S) is spent"; failed=1; return; fi
  (( limit > left )) && limit=$left
  echo "== $name (at most $limit s)" | tee -a "$file"
  local a from; a=$(date +%s); from=$(wc -l < "$file")
  timeout -k 10 "$limit" "$@" >> "$file" 2>&1; local rc=$?
  for f in "$hs"/hs_err_*.log; do [[ -f $f ]] && { echo "--- JVM crash report $f"; cat "$f"; } >> "$file" && rm -f "$f"; done
  tail -n +"$(( from + 1 ))" "$file" | tail -n 40
  local verdict="exit $rc"
  (( rc == 124 || rc == 137 )) && verdict="TIMED OUT after $limit s"
  # a CUDA test skips (and passes) where libtorch sees no GPU: on the GPU machine that is a failure
  if [[ $name == tests ]] && grep -qE '\[ +[1-9][0-9]* tests skipped' "$file"; then
    verdict="$verdict, SOME TESTS SKIPPED (no GPU visible to libtorch?)"; rc=1
  fi
  (( rc != 0 )) && failed=1
  say "== $name: $verdict in $(( $(date +%s) - a )) s"; echo "== $name: $verdict" >> "$file"
}
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi failed"; } 2>&1 | tee -a "$log"
if has tests || has bench || has qwenvl; then
  # The bundle's parts must have been stored by earlier calls on this same machine (it forgets them when it goes
  # back). Its script searches the disk for the CUDA libraries at every start (13 finds over /): asked once here for
  # the environment it sets, the Java steps then run the bundled java with it (its script's java line), not the script.
  a=$(date +%s)
  probe=$(bash "$stepper" bash -c 'printf "bundle environment\n%s\n%s\n" "$LD_LIBRARY_PATH" "${GPU_CP:-}"' 2>&1)
  head -n 1 <<< "$probe" | tee -a "$log"
  say "bundle check: $(( $(date +%s) - a )) s"
  if ! grep -qx 'bundle environment' <<< "$probe"; then
    echo "$probe" >> "$log"
    say "device-run.sh: the CUDA bundle is not ready on this machine (see above): send every part first" \
        "(docs/gpu.md), on the same machine; nothing was run"
    exit 3
  fi
  if [[ ! -f .gpu/lib/model-tests.jar || ! -d .gpu/lib/bench ]]; then
    say "device-run.sh: .gpu/lib is missing or incomplete: run bench/gpu/prepare.sh here and carry .gpu/lib; nothing was run"
    exit 3
  fi
  lib_path=$(sed -n '/^bundle environment$/{n;p;q}' <<< "$probe")
  gpu_cp=$(sed -n '/^bundle environment$/{n;n;p;q}' <<< "$probe") # the bundle's nat folder first, then its jars
  b=${gpu_cp%%:*}; b=${b%/nat}
  if [[ -n $gpu_cp && -x $b/jre/bin/java ]]; then
    java=(env OMP_WAIT_POLICY=PASSIVE "LD_LIBRARY_PATH=$lib_path" "$b/jre/bin/java"
          -Dorg.bytedeco.javacpp.platform.extension=-gpu "-Djava.library.path=$lib_path" -Dai.djl.offline=true
          -cp "$VRFT_CP:$gpu_cp")
    say "java: $b/jre/bin/java, LD_LIBRARY_PATH=$lib_path"
  fi
fi
has tests && step doctor doctor 90 "${java[@]}" "${jvm[@]}" org.visualrft.app.Main doctor
# the CUDA tests: Qwen2-VL, Qwen2.5-VL/Qwen3-VL and vrft-tiny against their oracles or the CPU, the GRPO loss oracle in
# float64, the sampling oracle with the device sampler on CUDA (top-k ties included), a short SFT+GRPO run of
# vrft-tiny whose reward must rise (each prints "skipped" without a GPU), one NCCL
# rank training what a single process trains, the image reused across a GRPO step, and the CLI's generate/train
# --device cuda for every family. Each test is reported as it ends (testfeed) and fails after 120 s (a hang costs
# one test, not the rest of the step).
has tests && step tests tests 240 "${java[@]}" "${jvm[@]}" org.junit.platform.console.ConsoleLauncher \
  execute --disable-banner --disable-ansi-colors --details=testfeed \
  --config=junit.jupiter.execution.timeout.default=120s \
  --config=junit.jupiter.execution.timeout.thread.mode.default=SEPARATE_THREAD \
  --class-path=".gpu/lib/core-tests.jar:.gpu/lib/model-tests.jar:.gpu/lib/train-tests.jar:.gpu/lib/app-tests.jar" \
  --select-class=org.visualrft.model.qwen2vl.CudaQwen2VLTest --select-class=org.visualrft.model.qwenvl.CudaQwenVlTest \
  --select-class=org.visualrft.model.tiny.CudaTinyVlmTest --select-class=org.visualrft.model.policy.CudaPolicyTest \
  --select-class=org.visualrft.train.grpo.CudaGrpoLossOracleTest --select-class=org.visualrft.train.optim.CudaAdamWTest \
  --select-class=org.visualrft.train.CudaShortRunTest --select-class=org.visualrft.train.dist.CudaNcclRunTest \
  --select-class=org.visualrft.train.grpo.CudaVisionReuseTest --select-class=org.visualrft.app.DeviceCliTest \
  --select-class=org.visualrft.model.sampling.CudaSamplingOracleTest
# shellcheck disable=SC2086 # BENCH_ARGS and PEER_ARGS are lists of arguments
has bench && step java-bench java-bench 240 "${java[@]}" "${jvm[@]}" Qwen2VLGpuBench \
  --config bench/qwen2vl/qwen2vl-2b-config.json ${BENCH_ARGS:-}
# shellcheck disable=SC2086
has peer && step hf-peer hf-peer 180 python3 bench/peer/qwen2vl_hf_gpu.py bench/qwen2vl/qwen2vl-2b-config.json ${PEER_ARGS:-}
# the optimiser update's peak GPU memory above the state (clipping + AdamW, 1 B bf16 parameters in 40 tensors):
# a few bytes per element of the largest tensor expected, where it once held 32 bytes per parameter
# shellcheck disable=SC2086 # OPT_ARGS: millions of parameters, tensors, device
has bench && step optimizer-memory optimizer-memory 90 "${java[@]}" "${jvm[@]}" OptimizerStepMemory ${OPT_ARGS:-1000 40 cuda}
# Qwen2.5-VL / Qwen3-VL (one log): one LoRA GRPO step of the 2B configuration on the GPU (static-cache engine), the
# same with activation checkpointing (gradient_checkpointing: peak GPU memory and time against the first), with the
# vision tower trained at a large image with and without its blocks checkpointed, the rollout
# engines (growing-cache device loop vs static cache, eager and CUDA graph) for 1 and 8 prompts
if has qwenvl; then
  step qwenvl-bench qwenvl 150 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 8 --new 64 --image 448
  step qwenvl-bench-checkpointing qwenvl 150 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 8 --new 64 --image 448 --checkpointing 1
  # the vision tower trained too, at a large image (1344 px: 7056 patches through 24 blocks): the layers checkpointed
  # and the tower's blocks not, against both checkpointed (peak GPU memory and the tower's forward and backward time)
  step qwenvl-bench-tower qwenvl 150 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 2 --new 16 --image 1344 --tower 1 \
    --checkpointing 1 --tower-checkpointing 0
  step qwenvl-bench-tower-checkpointing qwenvl 150 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --group 2 --new 16 --image 1344 --tower 1 \
    --checkpointing 1
  step qwenvl-engines-1 qwenvl 150 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --engines 1 --group 8 --new 256 --image 448 --repeat 2
  step qwenvl-engines-8 qwenvl 200 "${java[@]}" "${jvm[@]}" QwenVlBench \
    --config bench/qwenvl/qwen3vl-2b-config.json --device cuda --engines 8 --group 8 --new 256 --image 448 --repeat 2
fi
rm -rf "$hs"
say "== done in $(( $(date +%s) - start )) s: $( ((failed)) && echo 'SOME STEPS FAILED (see above)' || echo 'every step passed')"
exit $failed
