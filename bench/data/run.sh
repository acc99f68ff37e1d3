#!/usr/bin/env bash
# Parquet dataset reading (docs/data.md, "Parquet datasets"): rows/s over a generated ~1 GB Hugging Face layout file
# with JPEG images. The file goes to /tmp (never into the repo); pass another path or size to change that.
# Usage: bench/data/run.sh [FILE] [SIZE_MB] [ON_DEMAND_SAMPLES]   (default /tmp/vrft-bench-1g.parquet 1024 50)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-data
mvn -q -o -B -Dvrft.target=$T -pl train -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile=$T/deps.classpath -Dmdep.includeScope=runtime >/dev/null
CP="core/$T/classes:model/$T/classes:train/$T/classes:$(cat train/$T/deps.classpath)"
java -Xmx2g -cp "$CP" bench/data/ParquetBench.java "${1:-/tmp/vrft-bench-1g.parquet}" "${2:-1024}" "${3:-50}"
