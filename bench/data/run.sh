#!/usr/bin/env bash
# Parquet dataset reading (docs/data.md, "Parquet datasets"): rows/s over a generated ~1 GB Hugging Face layout file
# with JPEG images. The file goes to /tmp (never into the repo); pass another path or size to change that.
# The peer, DuckDB's JDBC driver, runs when its jar is in the local Maven repository (it is not a dependency:
# fetch it once with `mvn dependency:get -Dartifact=org.duckdb:duckdb_jdbc:1.4.4.0`); the last line is the ratio of
# rows per CPU-second of the two row streams.
# Usage: bench/data/run.sh [FILE] [SIZE_MB] [ON_DEMAND_SAMPLES]   (default /tmp/vrft-bench-1g.parquet 1024 50)
set -euo pipefail
cd "$(dirname "$0")/../.."
T=target-bench-data
FILE="${1:-/tmp/vrft-bench-1g.parquet}"
mvn -q -o -B -Dvrft.target=$T -pl train -am -DskipTests compile dependency:build-classpath \
  -Dmdep.outputFile=$T/deps.classpath -DincludeScope=runtime >/dev/null
CP="core/$T/classes:model/$T/classes:train/$T/classes:$(cat train/$T/deps.classpath)"
ours="$(java -Xmx2g -cp "$CP" bench/data/ParquetBench.java "$FILE" "${2:-1024}" "${3:-50}" 2>/dev/null)"
echo "$ours"
DUCK="$(find ~/.m2/repository/org/duckdb/duckdb_jdbc -name 'duckdb_jdbc-*.jar' 2>/dev/null | sort | tail -n 1)"
if [ -n "$DUCK" ]; then
  peer="$(java -Xmx2g -cp "$DUCK" bench/data/DuckDbPeer.java "$FILE")"
  echo "$peer"
  a="$(echo "$ours" | grep '^| row stream' | awk -F'|' '{gsub(/ /, "", $8); print $8}')"
  b="$(echo "$peer" | awk -F'|' '{gsub(/ /, "", $8); print $8}')"
  awk -v a="$a" -v b="$b" 'BEGIN { printf "row stream, rows per CPU-s: ours / DuckDB = %.2f\n", a / b }'
else
  echo "(no DuckDB jar in ~/.m2: peer skipped)"
fi
