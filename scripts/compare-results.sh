#!/usr/bin/env bash
# Runs every shipped topology and benchmark model with this checkout's scalelab and with the one built from an
# earlier revision, and compares their results.json and timeseries.csv byte for byte. A restructuring must
# change nothing a user sees; a new feature may only add keys, which are listed for a person to check.
# Usage: scripts/compare-results.sh REV [DURATION]   (default duration: each file's own, capped at 20s)
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: scripts/compare-results.sh REV [DURATION]}"
cap="${2:-20s}"
work="$(mktemp -d)"
trap 'git worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add -q --detach "$work/old" "$rev"
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$work/old" -B "$work/old-build" -DCMAKE_BUILD_TYPE=Release -DSCALELAB_BUILD_TESTS=OFF \
  -DSCALELAB_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$work/old-build" -j2 --target scalelab >/dev/null
bash scripts/build.sh release scalelab >/dev/null
old="$work/old-build/apps/scalelab"
new="build/release/apps/scalelab"

status=0
for topology in topologies/*.yaml bench/*.yaml; do
  [ -f "$work/old/$topology" ] || continue # new in this checkout: nothing to compare with
  duration=("--duration" "$cap")
  "$new" run "$topology" --quiet --out "$work/new-out" "${duration[@]}" 2>/dev/null || duration=()
  "$old" run "$topology" --quiet --out "$work/old-out" "${duration[@]}"
  "$new" run "$topology" --quiet --out "$work/new-out" "${duration[@]}"
  for file in results.json timeseries.csv; do
    if cmp -s "$work/old-out/$file" "$work/new-out/$file"; then
      echo "same      $topology $file"
    else
      echo "DIFFERENT $topology $file"
      diff <(python3 -m json.tool "$work/old-out/$file" 2>/dev/null || cat "$work/old-out/$file") \
        <(python3 -m json.tool "$work/new-out/$file" 2>/dev/null || cat "$work/new-out/$file") | head -20 || true
      status=1
    fi
  done
done
exit $status
