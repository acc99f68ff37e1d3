#!/usr/bin/env bash
# COCO evaluation benchmark: the large case of fixtures/coco/README.md (5,000 images, 80 categories,
# 506,947 detections) against pycocotools 2.0.11's recorded 43.0 s (evaluate + accumulate; loadRes 2.11 s more).
# Needs Debian's /usr/bin/python3 with numpy to generate the case once (into bench/out/perf, git-ignored).
# Usage: bench/coco/run.sh [ROUNDS]     (default 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:-5}"
FIXTURES="${VRFT_FIXTURES:-../shared/fixtures}"
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
JACKSON=$(ls ~/.m2/repository/com/fasterxml/jackson/core/jackson-core/2.18.2/jackson-core-2.18.2.jar)
CP="core/target-bench/classes:$JACKSON"
java -Xmx2g -cp "$CP" bench/coco/CocoEvalBench.java "$OUT/gt.json" "$OUT/dt.json" "$ROUNDS" 43.0 0.146815
