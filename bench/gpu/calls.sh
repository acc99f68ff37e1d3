#!/usr/bin/env bash
# Checks, before any device time is spent, what the GPU session's calls will send (docs/gpu.md, "The next GPU
# session"): the bundle in .gpu/ is whole (its parts' sha256) and ignored by git, prepare.sh's jars are there, and
# every call — the working tree that travels (tracked and untracked, not ignored, files) plus its carried paths — stays
# under the run tool's 64 MiB with a margin. Prints each call's carry list, ready to paste. Exit 1 on any fault.
# usage: bash bench/gpu/calls.sh [--split MB] [MARGIN_MIB]      (margin default 2: room for what a merge adds)
#   --split MB  first cuts the bundle again into parts of MB megabytes (no recompression: the same bytes, the same
#               sha256), for when the working tree has grown and checkout + part + zstd no longer fit
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [[ ${1:-} == --split ]]; then
  whole=$(mktemp /tmp/vrft-bundle.XXXX)
  cat .gpu/bundle.part.* > "$whole"
  [[ $(sha256sum < "$whole" | cut -d' ' -f1) == "$(cat .gpu/bundle.sha256)" ]] || { echo "calls.sh: the parts' sha256 is not bundle.sha256's; not split" >&2; rm -f "$whole"; exit 1; }
  rm -f .gpu/bundle.part.*
  split -b "$(( $2 * 1000000 ))" -d "$whole" .gpu/bundle.part.
  rm -f "$whole"
  ls .gpu/bundle.part.* | wc -l > .gpu/bundle.parts
  echo "bundle cut into $(cat .gpu/bundle.parts) parts of <= $2 MB"
  shift 2
fi
margin=${1:-2}
limit=$(( 64 * 1048576 ))
fault=0
bad() { echo "calls.sh: $*" >&2; fault=1; }
bytes() { du -sb --apparent-size "$@" 2>/dev/null | awk '{s += $1} END {print s + 0}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
echo "working tree that travels with every call: $(mib "$tree") MiB"
git check-ignore -q .gpu/ || bad ".gpu/ is not ignored by git: it would travel whole with every call (add .gpu/ to .git/info/exclude)"
for f in .gpu/device-step.sh .gpu/bundle.parts .gpu/bundle.sha256 .gpu/zstd/zstd; do
  [[ -e $f ]] || bad "$f is missing: the bundle was not made in this checkout (its make-bundle.sh, before prepare.sh)"
done
[[ -f .gpu/lib/model-tests.jar && -d .gpu/lib/bench ]] || bad ".gpu/lib is missing or incomplete: run bench/gpu/prepare.sh"
((fault)) && exit 1
parts=(.gpu/bundle.part.*)
want=$(cat .gpu/bundle.parts)
[[ ${#parts[@]} == "$want" ]] || bad "${#parts[@]} parts in .gpu/, bundle.parts says $want"
sum=$(cat "${parts[@]}" | sha256sum | cut -d' ' -f1)
[[ $sum == "$(cat .gpu/bundle.sha256)" ]] || bad "the parts' sha256 is not bundle.sha256's: a part is missing or stale"
ls .gpu/lib/*-SNAPSHOT.jar > /dev/null 2>&1 || bad "no project jars in .gpu/lib"
newest=$(git log -1 --format=%ct)
for j in .gpu/lib/core-*.jar .gpu/lib/app-tests.jar; do
  [[ -f $j && $(stat -c %Y "$j") -ge $newest ]] || bad "$j is older than the last commit: rerun bench/gpu/prepare.sh"
done

call() { # NAME PATH...: one call's size and carry list
  local name=$1; shift
  local total=$(( tree + $(bytes "$@") ))
  local list; list=$(printf '"%s", ' "$@"); list="[${list%, }]"
  local verdict=ok
  (( total > limit - margin * 1048576 )) && { verdict="OVER (64 MiB less a $margin MiB margin)"; fault=1; }
  printf '%-14s %5s MiB  %s  carry: %s\n' "$name" "$(mib "$total")" "$verdict" "$list"
}
step=(.gpu/device-step.sh .gpu/bundle.parts .gpu/bundle.sha256 .gpu/zstd)
for p in "${parts[@]}"; do
  call "part ${p##*.}" "${step[@]}" "$p"
done
final=(.gpu/device-step.sh .gpu/bundle.parts .gpu/bundle.sha256 .gpu/lib)
[[ -d fixtures/qwen3vl-tiny && -d fixtures/qwen2vl-tiny && -d fixtures/grpo ]] || final+=(.gpu/fixtures)
call "device-run" "${final[@]}"
if ((fault)); then
  echo "calls.sh: fix the above before the session (a call over the limit: --split with smaller parts)" >&2
  exit 1
fi
echo "every call fits; part calls run 'bash .gpu/device-step.sh', the last 'bash bench/gpu/device-run.sh …'"
