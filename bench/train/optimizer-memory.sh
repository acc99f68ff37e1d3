#!/usr/bin/env bash
# Peak memory of one optimiser update (clipping + AdamW) per trained bf16 parameter (OptimizerStepMemory.java).
# usage: bench/train/optimizer-memory.sh [MILLIONS_OF_PARAMETERS] [TENSORS]
set -euo pipefail
cd "$(dirname "$0")/../.."
export OMP_WAIT_POLICY=PASSIVE
# glibc would keep freed blocks for reuse, and the resident set then overstates what is live: return large blocks
export MALLOC_MMAP_THRESHOLD_=1048576 MALLOC_TRIM_THRESHOLD_=1048576
T=target-bench
mvn -q -o -Dvrft.target=$T -pl train -am -DskipTests compile dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=$PWD/train/$T/cp.txt >/dev/null
CP="train/$T/classes:model/$T/classes:core/$T/classes:$(cat train/$T/cp.txt)"
exec java -Xmx512m -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dorg.bytedeco.javacpp.maxBytes=0 -Dai.djl.offline=true \
  -cp "$CP" bench/train/OptimizerStepMemory.java "$@"
