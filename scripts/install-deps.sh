#!/usr/bin/env bash
# Installs every Debian package scalelab needs to build, test, fuzz (clang's libFuzzer) and benchmark, Qt 6
# for scalelab-gui, and the services and client libraries of the real mode (docs/real-mode.md): haproxy,
# PostgreSQL, Redis, RabbitMQ, docker-compose (to check exported Compose files; no Docker engine needed).
# Idempotent: does nothing when all of them are present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git clang-format
  libsimgrid-dev libyaml-cpp-dev nlohmann-json3-dev libboost-graph-dev
  googletest libgtest-dev
  clang libclang-rt-14-dev llvm
  python3 python3-simpy
  gnuplot-nox parallel
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev
  haproxy postgresql redis-server rabbitmq-server docker-compose
  libpq-dev libhiredis-dev librabbitmq-dev libboost-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# The real mode starts its services itself, on 127.0.0.1 in a run directory: apt must not start them system-wide.
# A policy-rc.d that exits 101 says so; it is removed afterwards only if this script created it.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# installed by scalelab scripts/install-deps.sh while it runs apt-get\nexit 101\n' |
    $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
  trap '$sudo rm -f "$policy"' EXIT
fi
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
