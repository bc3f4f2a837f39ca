#!/usr/bin/env bash
# Renders scalelab-gui's window to the pictures of docs/gui.md and README.md, on Qt's offscreen platform:
#   docs/images/gui-editor.png  topologies/email-queue.yaml as opened
#   docs/images/gui-run.png     topologies/three-tier.yaml with its rate raised from 1500/s to 2700/s, after the run
#   docs/images/gui-running.png topologies/primary-replicas.yaml during its run, held at 30 s: the requests per
#                               second on the edges, the dots flowing, the charts so far
#   docs/images/gui-edit.png    topologies/email-queue.yaml being edited: more API workers, and a worker pool given 0
#                               workers, which the loader refuses (its message at the field and above the text)
#   docs/images/gui-break-charts.png  topologies/three-tier.yaml broken as "Crash app for 10 s" does (at 70 s): the
#                               charts exported after the run
#   docs/images/gui-compare.png topologies/three-tier.yaml broken so (a copy) beside the run of the file as shipped
#                               (--compare), held at 75 s: both diagrams at 75 s, the charts with the run before dashed
#   docs/images/gui-diagram.svg topologies/email-queue.yaml's whole diagram, exported as SVG
#   docs/images/gui-lesson.png  lesson 04 opened beside its topology
#   docs/images/gui-lesson-plots.png  lesson 04 after Run the experiment: the plots its sweep drew
#   docs/images/gui-canvas.png  topologies/three-tier.yaml edited on the canvas: a cache dropped from the palette,
#                               connected from the API servers, the balancer moved down
#   docs/images/gui-hardware.png topologies/two-datacenters.yaml with a data centre dropped from the palette and a
#                               host dropped into its frame: each data centre's hosts as chips
#   docs/images/gui-follow.png  topologies/three-tier.yaml's 1000th request followed: its path drawn on the diagram
# Usage: scripts/render-gui-pictures.sh [BUILD_DIR]   (default: build/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/dev}"
gui="$build/apps/gui/scalelab-gui"
if [[ ! -x "$gui" ]]; then
  echo "no $gui: build with Qt 6 first (scripts/install-deps.sh, cmake --build --preset dev)" >&2
  exit 2
fi
export QT_QPA_PLATFORM=offscreen
mkdir -p docs/images
"$gui" topologies/email-queue.yaml --size 1500x950 --screenshot docs/images/gui-editor.png
"$gui" topologies/email-queue.yaml --size 1500x950 --select mailers --set services.app.workers=48 \
  --set services.mailers.workers=0 --screenshot docs/images/gui-edit.png
busy="$(mktemp -d)/three-tier-2700.yaml"
trap 'rm -rf "$(dirname "$busy")"' EXIT
sed 's|rate: 1500/s|rate: 2700/s|' topologies/three-tier.yaml >"$busy"
"$gui" "$busy" --run --size 1500x950 --screenshot docs/images/gui-run.png
"$gui" topologies/primary-replicas.yaml --run --hold-at 30 --size 1500x950 --screenshot docs/images/gui-running.png
broken="$(dirname "$busy")/three-tier-broken.yaml" # a run saves its file first: a copy
cp topologies/three-tier.yaml "$broken"
"$gui" "$broken" --set 'faults=[{at: 70s, crash_service: app, for: 10s}]' --run --size 1500x950 \
  --export-charts docs/images/gui-break-charts.png
"$gui" "$broken" --compare topologies/three-tier.yaml --run --hold-at 75 --size 1700x1000 \
  --screenshot docs/images/gui-compare.png
"$gui" topologies/email-queue.yaml --export-diagram docs/images/gui-diagram.svg
"$gui" --lesson experiments/lessons/04-load-balancer --size 1700x950 --screenshot docs/images/gui-lesson.png
"$gui" --lesson experiments/lessons/04-load-balancer --lesson-experiment --size 1700x950 \
  --screenshot docs/images/gui-lesson-plots.png
"$gui" topologies/three-tier.yaml --size 1500x950 --drop cache@990,240 --connect app:cache --move lb@390,150 \
  --select cache --screenshot docs/images/gui-canvas.png
two="$(dirname "$busy")/two-datacenters.yaml"
cp topologies/two-datacenters.yaml "$two"
"$gui" "$two" --size 1500x950 --drop hardware.network.datacenters@0,0 --drop hardware.hosts@400,400 \
  --screenshot docs/images/gui-hardware.png
"$gui" topologies/three-tier.yaml --follow 1000 --size 1500x950 --screenshot docs/images/gui-follow.png
echo "docs/images/gui-editor.png docs/images/gui-run.png docs/images/gui-running.png docs/images/gui-edit.png" \
  "docs/images/gui-break-charts.png docs/images/gui-compare.png docs/images/gui-diagram.svg" \
  "docs/images/gui-lesson.png docs/images/gui-lesson-plots.png docs/images/gui-canvas.png" \
  "docs/images/gui-hardware.png docs/images/gui-follow.png"
