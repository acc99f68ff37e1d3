#!/usr/bin/env bash
# Whole-command speed of `visual-rft reward` (JVM start and warm-up included): the fixture set repeated to 309,154
# lines (126 MB) and to 1,854,924 lines (757 MB), this checkout against a base commit (default a2c58f2, the code
# before the CLI work of issue 16), each through its own launcher; then the in-process steady state of both.
# The outputs of both versions must be identical (cmp), else it exits 1. docs/benchmarks.md has the numbers.
# Usage: bench/rewards/cli.sh [repeats (3)] [base commit (a2c58f2)]
# Run it on an idle machine; as root `nice -n -15 bench/rewards/cli.sh` keeps other work from skewing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
repeats=${1:-3}
base=$(git rev-parse --short "${2:-a2c58f2}")
work=${VRFT_BENCH_DIR:-$root/target-bench-rewards-cli}
mkdir -p "$work"
fixture=${VRFT_FIXTURES:-fixtures}/rewards/visual_rft_rewards.jsonl

# inputs: the fixture file 934 times (309,154 lines), that 6 times
small=$work/fixture-x934.jsonl
large=$work/fixture-x5604.jsonl
if [[ ! -s $small ]]; then
  for ((i = 0; i < 934; i++)); do cat "$fixture"; done >"$small.tmp" && mv "$small.tmp" "$small"
fi
if [[ ! -s $large ]]; then
  for ((i = 0; i < 6; i++)); do cat "$small"; done >"$large.tmp" && mv "$large.tmp" "$large"
fi

# the base version: its files (git archive, no worktree metadata), built by its own launcher on first use
basedir=$work/base-$base
if [[ ! -x $basedir/visual-rft ]]; then
  rm -rf "$basedir" && mkdir -p "$basedir"
  git archive "$base" | tar -x -C "$basedir"
fi
echo "building both versions (first use only)..." >&2
"$basedir/visual-rft" --version >/dev/null
"$root/visual-rft" --version >/dev/null

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
min() { sort -g | head -n 1; }

# one timed run: "wall user sys" appended to $work/times-<version>-<input>
run_once() { # version dir input
  local version=$1 dir=$2 input=$3 name
  name=$(basename "$input" .jsonl)
  local TIMEFORMAT='%R %U %S'
  { time "$dir/visual-rft" reward --input "$input" --output "$work/out-$version-$name.jsonl" 2>"$work/err"; } \
      2>>"$work/times-$version-$name" || { cat "$work/err" >&2; exit 1; }
}

rm -f "$work"/times-*
for input in "$small" "$large"; do
  for ((r = 0; r < repeats; r++)); do # interleaved, so drifting load hits both alike
    run_once before "$basedir" "$input"
    run_once after "$root" "$input"
  done
  name=$(basename "$input" .jsonl)
  cmp -s "$work/out-before-$name.jsonl" "$work/out-after-$name.jsonl" \
      || { echo "outputs differ on $name" >&2; exit 1; }
done

echo
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)   cores: $(nproc)   repeats: $repeats"
echo
printf '| input | version | wall s (min / median) | lines/s (median wall) | CPU s (user+sys, median) |\n'
printf '| --- | --- | ---: | ---: | ---: |\n'
for input in "$small" "$large"; do
  name=$(basename "$input" .jsonl)
  lines=$(wc -l <"$input")
  declare -A med=()
  for version in before after; do
    f=$work/times-$version-$name
    wmin=$(cut -d' ' -f1 "$f" | min)
    wmed=$(cut -d' ' -f1 "$f" | median)
    cmed=$(awk '{print $2 + $3}' "$f" | median)
    med[$version]=$wmed
    label=$([[ $version == before ]] && echo "before ($base)" || echo "after ($(git rev-parse --short HEAD))")
    printf '| %s lines | %s | %.2f / %.2f | %s | %.2f |\n' "$lines" "$label" "$wmin" "$wmed" \
        "$(awk -v n="$lines" -v s="$wmed" 'BEGIN {printf "%\047d", n / s}')" "$cmed"
  done
  printf '| %s lines | speed-up (median wall) | | %.2f× | |\n' "$lines" \
      "$(awk -v a="${med[before]}" -v b="${med[after]}" 'BEGIN {print a / b}')"
done
echo
echo "in-process steady state, 309,154 lines, real file in and out, default threads (bench/rewards/CliSteadyState.java):"
for version in before after; do
  dir=$([[ $version == before ]] && echo "$basedir" || echo "$root")
  echo "$version:"
  java -Xmx2g -XX:+UseSerialGC -cp "$(cat "$dir/app/target/visual-rft.classpath")" \
      "$root/bench/rewards/CliSteadyState.java" "$small" 6
done
