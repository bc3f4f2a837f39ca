#!/usr/bin/env bash
# The main job: sets up a fresh machine, builds scalelab and simulates a shipped topology.
# Usage: scripts/demo.sh [TOPOLOGY] [scalelab run options...]   (default: topologies/three-tier.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >/dev/null
topology="${1:-topologies/three-tier.yaml}"
shift || true
exec build/release/apps/scalelab run "$topology" --out out/"$(basename "$topology" .yaml)" "$@"
