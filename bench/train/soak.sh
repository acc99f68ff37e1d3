#!/usr/bin/env bash
# Soak test: a GRPO run of the built-in VLM (default size, 8 prompts x G = 8, checkpoints every 50 steps, the last 2 kept) for
# MINUTES minutes; the resident memory (VmRSS) of the JVM is sampled every 10 s. Native tensors that escape their
# scope leak silently, so the check is: after the warm-up (the first WARMUP minutes) the RSS stays within 5% of its
# level at the end of the warm-up. Writes bench/out/soak/rss.csv and prints the curve (one line per minute) and the
# verdict; exit 0 on pass, 1 on fail.
# Usage: bench/train/soak.sh [MINUTES] [WARMUP_MINUTES]     (defaults 30 and 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
MINUTES="${1:-30}"
WARMUP="${2:-3}"
OUT=bench/out/soak
export OMP_WAIT_POLICY=PASSIVE
# Bytedeco's OpenBLAS starts its own thread pool (one thread per core) unless told otherwise; Engine.setThreads only
# sets libtorch's intra-op threads. On 2 loaded cores that pool made every matrix product 5-15x slower (measured:
# sampling 4.0 s -> 0.2 s per group). Both sides of every comparison run with the same setting.
export OPENBLAS_NUM_THREADS=1
mkdir -p "$OUT"
mvn -q -o -Dvrft.target=target-trsoak -pl train -am -DskipTests package \
  dependency:build-classpath -Dmdep.outputFile="$PWD/$OUT/cp.txt" -DincludeScope=runtime
CP="train/target-trsoak/classes:model/target-trsoak/classes:core/target-trsoak/classes:$(cat "$OUT/cp.txt")"
java -Xmx1g -XX:+UseSerialGC -Dai.djl.offline=true -Dslf4j.provider=org.slf4j.helpers.NOP_FallbackServiceProvider -Dslf4j.internal.verbosity=WARN -cp "$CP" bench/train/GrpoStepBench.java "$OUT" 0 1 \
  >"$OUT/java.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
echo "seconds,rss_kb,steps,load1" >"$OUT/rss.csv"
END=$((SECONDS + MINUTES * 60))
START=$SECONDS
while ((SECONDS < END)) && kill -0 $PID 2>/dev/null; do
  RSS=$(awk '/VmRSS/ {print $2}' /proc/$PID/status 2>/dev/null || echo 0)
  STEPS=$( (wc -l <"$OUT/run/metrics.jsonl") 2>/dev/null || echo 0)
  echo "$((SECONDS - START)),$RSS,$STEPS,$(cut -d' ' -f1 /proc/loadavg)" >>"$OUT/rss.csv"
  sleep 10
done
kill $PID 2>/dev/null || true
wait $PID 2>/dev/null || true
/usr/bin/python3 - "$OUT/rss.csv" "$WARMUP" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["rss_kb"]) > 0]
warm = float(sys.argv[2]) * 60
print("minute  rss_MiB  steps  load1")
last = -1
for r in rows:
    m = int(r["seconds"]) // 60
    if m != last:
        print(f"{m:>6}  {int(r['rss_kb']) / 1024:>7.1f}  {r['steps']:>5}  {r['load1']}")
        last = m
after = [r for r in rows if int(r["seconds"]) >= warm]
if not after:
    print("run too short for the warm-up"); sys.exit(1)
base = int(after[0]["rss_kb"])
peak = max(int(r["rss_kb"]) for r in after)
end = int(after[-1]["rss_kb"])
print(f"RSS after warm-up {base / 1024:.1f} MiB, peak after {peak / 1024:.1f} MiB ({(peak / base - 1) * 100:+.1f}%), "
      f"end {end / 1024:.1f} MiB ({(end / base - 1) * 100:+.1f}%), steps {after[-1]['steps']}")
ok = peak <= base * 1.05
print("PASS: within 5% of the post-warm-up level" if ok else "FAIL: grew more than 5% after warm-up")
sys.exit(0 if ok else 1)
PY
