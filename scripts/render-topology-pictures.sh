#!/usr/bin/env bash
# Draws the hardware of every topology in topologies/ as docs/images/NAME.png (scalelab graph, then Graphviz).
# Usage: scripts/render-topology-pictures.sh [SCALELAB]   (default: build/dev/apps/scalelab, else build/release)
# Needs Graphviz's dot (Debian: apt-get install graphviz).
set -euo pipefail
cd "$(dirname "$0")/.."
scalelab="${1:-}"
if [[ -z "$scalelab" ]]; then
  for candidate in build/dev/apps/scalelab build/release/apps/scalelab; do
    if [[ -x "$candidate" ]]; then
      scalelab="$candidate"
      break
    fi
  done
fi
[[ -n "$scalelab" && -x "$scalelab" ]] || { echo "no scalelab binary: build first (scripts/build.sh)" >&2; exit 2; }
command -v dot >/dev/null || { echo "Graphviz's dot is missing: apt-get install graphviz" >&2; exit 2; }

mkdir -p docs/images
dot_file="$(mktemp)"
trap 'rm -f "$dot_file"' EXIT
for topology in topologies/*.yaml; do
  name="$(basename "$topology" .yaml)"
  "$scalelab" graph "$topology" >"$dot_file"
  # Left to right: users, then the tiers; wide enough gaps for the link labels.
  dot -Tpng -Gdpi=110 -Grankdir=LR -Gnodesep=0.2 -Granksep=1.0 -o "docs/images/$name.png" "$dot_file"
  echo "docs/images/$name.png"
done
