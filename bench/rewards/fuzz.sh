#!/usr/bin/env bash
# Reliability: N mutated completions (default 10 million) through every reward function in both modes.
# Usage: bench/rewards/fuzz.sh [count] [threads]   Exit 1 if any exception or out-of-range strict value.
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-rewards
mvn -q -o -Dvrft.target=$T -pl core -DskipTests test-compile
# core's run-time class path (jackson-core) from Maven, wherever its local repository is
cpfile=$(mktemp)
mvn -q -pl core dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$cpfile" >/dev/null
JACKSON=$(cat "$cpfile"); rm -f "$cpfile"
java -Xmx2g -cp "core/$T/classes:core/$T/test-classes:$JACKSON" bench/rewards/FuzzBench.java \
    "${VRFT_FIXTURES:-fixtures}" "${1:-10000000}" "${2:-2}"
