#!/usr/bin/env bash
# Installs every Debian package scalelab needs to build, test, fuzz (clang's libFuzzer) and benchmark, and Qt 6
# for scalelab-gui.
# Idempotent: does nothing when all of them are present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git clang-format
  libsimgrid-dev libyaml-cpp-dev nlohmann-json3-dev libboost-graph-dev
  googletest libgtest-dev
  clang libclang-rt-14-dev llvm
  python3 python3-simpy
  gnuplot-nox parallel
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev
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
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
