#!/usr/bin/env bash
# Reliability: N mutated completions (default 10 million) through every reward function in both modes.
# Usage: bench/rewards/fuzz.sh [count] [threads]   Exit 1 if any exception or out-of-range strict value.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-rewards
mvn -q -o -Dvrft.target=$T -pl core -DskipTests test-compile
JACKSON=$(find ~/.m2/repository/com/fasterxml/jackson/core/jackson-core/2.18.2 -name 'jackson-core-2.18.2.jar')
java -Xmx2g -cp "core/$T/classes:core/$T/test-classes:$JACKSON" bench/rewards/FuzzBench.java \
    "${VRFT_FIXTURES:-fixtures}" "${1:-10000000}" "${2:-2}"
