#!/usr/bin/env bash
# Optimiser-state memory per rank with ZeRO stage 1 for Qwen2-VL-2B and -7B full fine-tuning (ZeroPlan.java).
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench
mvn -q -o -Dvrft.target=$T -pl train -am -DskipTests compile dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=$PWD/train/$T/cp.txt >/dev/null
CP="train/$T/classes:model/$T/classes:core/$T/classes:$(cat train/$T/cp.txt)"
if [[ $# -eq 0 ]]; then set -- bench/qwen2vl/qwen2vl-2b-config.json bench/train/qwen2vl-7b-config.json; fi
exec java -Xmx256m -Dai.djl.offline=true -cp "$CP" bench/train/ZeroPlan.java "$@"
