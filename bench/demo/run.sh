#!/usr/bin/env bash
# Times the built-in benchmark: `visual-rft demo --quick` and the full demo, and prints the phase timings from
# results.json. Usage: bench/demo/run.sh [--full] [--workers N]. Compare timings only on the same machine and load.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
full=0; workers=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --full) full=1; shift ;;
    --workers) workers="$2"; shift 2 ;;
    *) echo "usage: bench/demo/run.sh [--full] [--workers N]" >&2; exit 2 ;;
  esac
done
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
run() {
  local name="$1"; shift
  local start; start=$(date +%s)
  ./visual-rft demo "$@" --workers "$workers" --out "$out/$name" >"$out/$name.log" 2>&1
  echo "$name: $(( $(date +%s) - start )) s wall (workers $workers, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
  python3 - "$out/$name/results.json" <<'PY' || true
import json, sys
r = json.load(open(sys.argv[1]))
print("  phases: " + ", ".join(f"{k} {v:.0f} s" for k, v in r["timings_s"].items()))
print("  runs: %d, mean %.1f s each" % (len(r["runs"]), sum(x["seconds"] for x in r["runs"]) / max(1, len(r["runs"]))))
PY
}
run quick --quick
if [[ $full == 1 ]]; then run full; fi
