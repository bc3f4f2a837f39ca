#!/usr/bin/env bash
# Configures and builds one CMake preset (default: release), all of it or the targets named.
# Usage: scripts/build.sh [dev|release|asan] [TARGET...]      e.g. scripts/build.sh release scalelab
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
shift || true
targets=()
(($# > 0)) && targets=(--target "$@")
bash scripts/install-deps.sh
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Paths relative to the checkout in the cache's keys, and the build folder left out of them (debug builds
  # hash it by default): another clone of the same code reuses its objects.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
cmake --preset "$preset" "${launcher[@]}" >/dev/null
cmake --build --preset "$preset" "${targets[@]}"
