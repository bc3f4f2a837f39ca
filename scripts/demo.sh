#!/usr/bin/env bash
# The main job: sets up a fresh machine, builds the scalelab program (nothing else) and simulates a shipped
# topology. SCALELAB_PRESET=dev uses the development build instead of the release one (CI, which has built it).
# Usage: scripts/demo.sh [TOPOLOGY] [scalelab run options...]   (default: topologies/three-tier.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${SCALELAB_PRESET:-release}"
bash scripts/build.sh "$preset" scalelab >/dev/null
topology="${1:-topologies/three-tier.yaml}"
shift || true
exec build/"$preset"/apps/scalelab run "$topology" --out out/"$(basename "$topology" .yaml)" "$@"
