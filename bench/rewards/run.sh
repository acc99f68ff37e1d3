#!/usr/bin/env bash
# Rewards per second over the fixture set, library and CLI path, vs the original Python code (docs/benchmarks.md).
# Usage: bench/rewards/run.sh [seconds-per-row]   (builds core into core/target-bench-rewards first)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-rewards
mvn -q -o -Dvrft.target=$T -pl core -DskipTests test-compile
JACKSON=$(find ~/.m2/repository/com/fasterxml/jackson/core/jackson-core/2.18.2 -name 'jackson-core-2.18.2.jar')
java -Xmx2g -cp "core/$T/classes:$JACKSON" bench/rewards/RewardBench.java "${VRFT_FIXTURES:-fixtures}" "${1:-3}"
