#!/usr/bin/env bash
# The CPU stand-in for the bundle's .gpu/device-step.sh, for a dry run of device-run.sh on a machine without a GPU
# (docs/gpu.md): the same class path ($VRFT_CP, made by prepare.sh) with Bytedeco's CPU jars instead of the bundle's.
#   VRFT_DEVICE_STEP=bench/gpu/cpu-step.sh VRFT_JVM_OPTS="-Dvrft.cuda.test.device=cpu -Dvrft.sampling.on_device=true" \
#   BENCH_ARGS="--config bench/qwen2vl/qwen2vl-small-config.json --device cpu --g 2 --new 8 --groups 2" \
#   OPT_ARGS="10 4 cpu" bash bench/gpu/device-run.sh tests bench
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
[[ -f app/target/gpu-cp.txt ]] || { echo "cpu-step.sh: run bench/gpu/prepare.sh first"; exit 1; }
echo "bundle parts on this machine: none needed (the CPU stand-in)"
[ $# -eq 0 ] && { echo "bundle ready at (Bytedeco's CPU jars)"; exit 0; }
export OMP_WAIT_POLICY=PASSIVE
if [ "$1" = java ]; then
  shift
  exec java -Dai.djl.offline=true -cp "${VRFT_CP:+$VRFT_CP:}$(tr ':' '\n' < app/target/gpu-cp.txt | grep /org/bytedeco/ | paste -sd:)" "$@"
fi
exec "$@"
