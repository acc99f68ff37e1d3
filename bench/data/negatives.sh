#!/usr/bin/env bash
# build-dataset's negatives on a COCO-shaped ground truth: every candidate built then drawn (the way before) against
# CocoNegatives.draw (drawn first, only the chosen built). Prints wall time and bytes allocated per path.
# Usage: bench/data/negatives.sh [IMAGES,IMAGES,...] [MAX_BEFORE]   (default 5000,20000,118287 and 20000)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-neg
mvn -q -o -B -Dvrft.target=$T -pl core -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile=$T/deps.classpath -DincludeScope=runtime >/dev/null
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
java -Xmx2g -cp "core/$T/classes:$(cat core/$T/deps.classpath)" bench/data/NegativesBench.java "$@"
