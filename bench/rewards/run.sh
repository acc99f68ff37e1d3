#!/usr/bin/env bash
# Rewards per second over the fixture set, library and CLI path, vs the original Python code (docs/benchmarks.md).
# Usage: bench/rewards/run.sh [seconds-per-row]   (builds core into core/target-bench-rewards first)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-rewards
mvn -q -o -Dvrft.target=$T -pl core -DskipTests test-compile
# core's run-time class path (jackson-core) from Maven, wherever its local repository is
cpfile=$(mktemp)
mvn -q -pl core dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$cpfile" >/dev/null
JACKSON=$(cat "$cpfile"); rm -f "$cpfile"
java -Xmx2g -cp "core/$T/classes:$JACKSON" bench/rewards/RewardBench.java "${VRFT_FIXTURES:-fixtures}" "${1:-3}"
