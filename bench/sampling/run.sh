#!/usr/bin/env bash
# The Java sampler's cost per decode step (G = 8 rows, a 151,936-token vocabulary as Qwen2-VL's, 600 history ids per
# row) with and without Hugging Face's repetition_penalty and min_p, against PyTorch running the same logits
# processors and draw (bench/sampling/sampler_peer.py, Debian's /usr/bin/python3 with python3-torch, one thread).
# Medians of ROUNDS steps after 3 warm-ups; the load average is printed beside the table.
# Usage: bench/sampling/run.sh [ROUNDS]      (default 30)
#        bench/sampling/run.sh --smoke       (CI: 1 round, no peer)
set -euo pipefail
cd "$(dirname "$0")/../.."
SMOKE=0
if [[ "${1:-}" == --smoke ]]; then SMOKE=1; set -- 1; fi
ROUNDS="${1:-30}"
OUT=bench/out/sampling
export OMP_WAIT_POLICY=PASSIVE
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-bench -pl model -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="model/target-bench/classes:core/target-bench/classes:$(cat "$OUT/cp.txt")"
java -Xmx2g -cp "$CP" bench/sampling/SamplerBench.java "$ROUNDS" > "$OUT/java.tsv"
if [[ $SMOKE == 1 ]]; then
  cat "$OUT/java.tsv"
  exit 0
fi
/usr/bin/python3 bench/sampling/sampler_peer.py "$ROUNDS" > "$OUT/peer.tsv"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| setting | Java ms/step | PyTorch ms/step | Java / PyTorch |\n| --- | --- | --- | --- |\n'
paste "$OUT/java.tsv" "$OUT/peer.tsv" | awk -F'\t' '{printf "| %s | %.2f | %.2f | %.2f |\n", $1, $2, $5, $2 / $5}'
