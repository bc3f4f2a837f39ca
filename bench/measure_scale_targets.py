#!/usr/bin/python3
"""The figures of the scale targets alone, in a few minutes (docs/performance.md, run O):

    bash scripts/build.sh release scalelab
    /usr/bin/python3 bench/measure_scale_targets.py [--runs 7] [--scalelab build/release/apps/scalelab]

- 1000 / 10 servers with power of two, least connections and round robin (target: at least 0.8 each);
- 10,000 / 10 servers with round robin (target: at least 0.7);
- a million users, ten simulated minutes, three runs (target: under 20 s wall each).

A ratio is the median of `--runs` pairs, the two files of a pair run back to back in alternating order, as in
bench/run_benchmarks.py, whose helpers this uses. Raw figures go to stderr, with the load average before each run;
a summary line per figure to stdout.
"""

import argparse
import json
import os
import statistics
import tempfile

import run_benchmarks as rb

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalelab", default=os.path.join(rb.ROOT, "build", "release", "apps", "scalelab"))
    parser.add_argument("--runs", type=int, default=7, help="pairs per ratio (the median is kept)")
    args = parser.parse_args()
    topo = lambda name: os.path.join(HERE, name)

    def ratio(name, small, big):
        ratios = rb.pair_ratios_of(small, big)
        loads = [r["load_before"] for r in small + big]
        print(f"{name}: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f}), pairs "
              f"{[round(r, 2) for r in ratios]}, load {min(loads)}-{max(loads)}", flush=True)

    with tempfile.TemporaryDirectory() as copies:
        for policy in ("power_of_two", "least_connections"):
            small, big = rb.pairs(args.scalelab, rb.with_policy(topo("reference.yaml"), policy, 10, copies),
                                  rb.with_policy(topo("reference-1000.yaml"), policy, 1000, copies), args.runs, [], [])
            ratio(f"1000 / 10 servers, {policy}", small, big)
    small, big = rb.pairs(args.scalelab, topo("reference.yaml"), topo("reference-1000.yaml"), args.runs, [], [])
    ratio("1000 / 10 servers, round_robin", small, big)
    small, big = rb.pairs(args.scalelab, topo("reference.yaml"), topo("reference-10000.yaml"), args.runs, [], [])
    ratio("10000 / 10 servers, round_robin", small, big)
    million = [rb.scalelab_run(args.scalelab, topo("million-users.yaml")) for _ in range(3)]
    print("a million users, 600 s simulated: " +
          json.dumps({"wall_s": [round(m["wall_seconds"], 1) for m in million],
                      "peak_memory_mb": [round(m["peak_memory_mb"]) for m in million],
                      "load_before": [m["load_before"] for m in million]}), flush=True)


if __name__ == "__main__":
    main()
