#!/usr/bin/env bash
# Sets up a fresh machine, builds and runs every test. Usage: scripts/test.sh [dev|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-dev}"
bash scripts/build.sh "$preset"
ctest --preset "$preset"
