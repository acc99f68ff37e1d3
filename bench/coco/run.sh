#!/usr/bin/env bash
# COCO evaluation benchmark: the large case of docs/benchmarks.md (5,000 images, 80 categories,
# 506,947 detections) against pycocotools 2.0.11's recorded time (loadRes 2.11 s + evaluate 32.95 s +
# accumulate 10.20 s; "43.0 s" = evaluate + accumulate + summarize, median of 3, 2-vCPU EPYC).
# Needs Debian's /usr/bin/python3 with numpy to generate the case once (into bench/out/perf, git-ignored).
# Prints: (1) cold runs, a fresh JVM each, as a user of `visual-rft coco-eval` sees it (process wall time includes
# JVM start, reading both JSON files, evaluate, accumulate, summarize); (2) a warm JVM, several rounds.
# Usage: bench/coco/run.sh [COLD_RUNS] [WARM_ROUNDS]     (default 3 and 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
# the cold runs report user+sys CPU time, which bash's own clock cannot give: GNU time is needed (Debian: apt-get
# install time), and bc for the ratios
for tool in /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "bench/coco/run.sh: $tool is missing (Debian package: ${tool##*/})" >&2; exit 1; }
done
COLD="${1:-3}"
WARM="${2:-5}"
FIXTURES="${VRFT_FIXTURES:-fixtures}"
OUT=bench/out/perf
GT_SHA=5758670d22f1362028803333d0396ceb7e70c17e02ab661eae96e06f095ee663
DT_SHA=324c20140eb54adad218096f8d10ca9c29b95761f09e1b51988af4fdff20952d
if [ ! -f "$OUT/dt.json" ] || [ ! -f "$OUT/gt.json" ]; then
  mkdir -p "$OUT"
  /usr/bin/python3 "$FIXTURES/coco/gen_coco_cases.py" --perf --out "$OUT"
fi
echo "$GT_SHA  $OUT/gt.json" | sha256sum -c --quiet
echo "$DT_SHA  $OUT/dt.json" | sha256sum -c --quiet
mvn -q -o -Dvrft.target=target-bench -pl core -DskipTests package
# core's run-time class path (jackson-core) from Maven, wherever its local repository is
cpfile=$(mktemp)
mvn -q -pl core dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile="$cpfile" >/dev/null
JACKSON=$(cat "$cpfile"); rm -f "$cpfile"
mkdir -p bench/out/classes
javac -d bench/out/classes -cp "core/target-bench/classes:$JACKSON" bench/coco/CocoEvalBench.java
CP="bench/out/classes:core/target-bench/classes:$JACKSON"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine inflates times)"
echo
echo "| cold run (fresh JVM, -Xmx2g) | threads | JVM flags | process wall s | process CPU s (user+sys) | load s | eval s | wall ratio to 45.1 s |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
walls=()
# default JVM (the headline), one thread, and C1 only (less JIT work for a run this short; a user can pass it
# through VRFT_JAVA_OPTS)
for config in "parallel|" "serial|" "parallel|-XX:TieredStopAtLevel=1"; do
  mode="${config%%|*}"
  flags="${config#*|}"
  for i in $(seq 1 "$COLD"); do
    # shellcheck disable=SC2086
    line=$( { /usr/bin/time -f "time %e %U %S" java -Xmx2g $flags -cp "$CP" CocoEvalBench "$OUT/gt.json" "$OUT/dt.json" 1 "$mode" 0.146815; } 2>&1 | grep '^round \|^time ' | tr '\n' ' ')
    wall=$(echo "$line" | sed 's/.*time \([0-9.]*\) \([0-9.]*\) \([0-9.]*\).*/\1/')
    cpu=$(echo "$line" | sed 's/.*time \([0-9.]*\) \([0-9.]*\) \([0-9.]*\).*/\2 + \3/' | bc -l)
    load=$(echo "$line" | awk '{print $4}')
    ev=$(echo "$line" | awk '{print $6}')
    if [ "$mode" = parallel ] && [ -z "$flags" ]; then walls+=("$wall"); fi
    printf "| %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.1fx |\n" "$i" "$([ "$mode" = parallel ] && nproc || echo 1)" \
      "${flags:-default}" "$wall" "$cpu" "$load" "$ev" "$(echo "45.11 / $wall" | bc -l)"
  done
done
median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf "median cold process wall (default JVM, default threads): %.2f s -> %.1fx faster than pycocotools' 45.1 s (loadRes + evaluate + accumulate)\n\n" \
  "$median" "$(echo "45.11 / $median" | bc -l)"
java -Xmx2g -cp "$CP" CocoEvalBench "$OUT/gt.json" "$OUT/dt.json" "$WARM" both 0.146815
