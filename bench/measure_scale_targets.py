#!/usr/bin/python3
"""The figures of the scale targets alone, in about ten minutes (docs/performance.md, runs O to Y):

    bash scripts/build.sh release scalelab
    /usr/bin/python3 bench/measure_scale_targets.py [--runs 7] [--scalelab build/release/apps/scalelab]

- 1000 / 10 servers with each balancing policy (target: at least 0.8 each);
- 10,000 / 10 servers with round robin (target: at least 0.7);
- a million users, ten simulated minutes, three runs (target: under 20 s wall each).

A ratio is the median of `--runs` pairs, the two files of a pair run back to back in alternating order, as in
bench/run_benchmarks.py, whose helpers this uses. Each ratio is given four ways:
- "whole runs": requests per wall second of the whole runs, set-up included (building the platform, the routes
  and the servers, and gathering the results after: a fixed cost, 33-47 ms at 1000 servers and about 0.4 s at
  10,000, which weighs on these short runs);
- "event loops": requests per wall second of the event loops alone (engine-stats' requests_per_loop_second);
- "event loops' processor time": requests per processor second of the same loops (requests_per_loop_cpu_second):
  on a machine shared with other work, what a request costs however long the run waited for the processor
  (which the wall-time figures count; the caches shared with the other work still count in both);
- "marginal": the wall time that a second measured interval adds, per request it adds (each file run again with
  its measured interval twice as long; a cross-check of the event loops' figure that needs no timer inside the
  program).
The set-up's wall seconds (whole run minus event loop, results included; medians) are given for each file. Raw
figures go to stderr, with the load average before each run; a summary line per figure to stdout.
"""

import argparse
import json
import os
import re
import statistics
import tempfile

import run_benchmarks as rb

HERE = os.path.dirname(os.path.abspath(__file__))


def seconds_of(topology, key):
    """A top-level duration of a topology file written as `key: 200s`."""
    with open(topology) as f:
        match = re.search(rf"^{key}:\s*([0-9.]+)s\s*$", f.read(), re.MULTILINE)
    assert match, f"{topology} has no `{key}: Ns`"
    return float(match.group(1))


def double_length(topology):
    """--duration for a run of `topology` whose measured interval (after the warm-up) is twice the file's."""
    warmup, duration = seconds_of(topology, "warmup"), seconds_of(topology, "duration")
    return ["--duration", f"{warmup + 2 * (duration - warmup)}s"]


def marginal_seconds_per_request(short, long):
    return (long["wall_seconds"] - short["wall_seconds"]) / (long["requests"] - short["requests"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalelab", default=os.path.join(rb.ROOT, "build", "release", "apps", "scalelab"))
    parser.add_argument("--runs", type=int, default=7, help="pairs per ratio (the median is kept)")
    args = parser.parse_args()
    topo = lambda name: os.path.join(HERE, name)

    def figure(range_of):
        return f"{statistics.median(range_of):.2f} ({min(range_of):.2f}-{max(range_of):.2f})"

    def ratio(name, small_file, big_file):
        small, big = rb.pairs(args.scalelab, small_file, big_file, args.runs, [], [])
        small_long, big_long = rb.pairs(args.scalelab, small_file, big_file, args.runs, double_length(small_file),
                                        double_length(big_file))
        marginal = [marginal_seconds_per_request(s, sl) / marginal_seconds_per_request(b, bl)
                    for s, sl, b, bl in zip(small, small_long, big, big_long)]
        set_up = [statistics.median(r["wall_seconds"] - r["loop_wall_seconds"] for r in runs) for runs in (small, big)]
        loads = [r["load_before"] for r in small + big + small_long + big_long]
        print(f"{name}: whole runs {figure(rb.pair_ratios_of(small, big))}, event loops "
              f"{figure(rb.pair_ratios_of(small, big, rb.LOOP))}, event loops' processor time "
              f"{figure(rb.pair_ratios_of(small, big, rb.LOOP_CPU))}, marginal {figure(marginal)}; set-up "
              f"{set_up[0]:.3f} s and {set_up[1]:.3f} s; load {min(loads)}-{max(loads)}", flush=True)

    with tempfile.TemporaryDirectory() as copies:
        for policy in ("random", "weighted", "least_connections", "power_of_two"):
            ratio(f"1000 / 10 servers, {policy}", rb.with_policy(topo("reference.yaml"), policy, 10, copies),
                  rb.with_policy(topo("reference-1000.yaml"), policy, 1000, copies))
    ratio("1000 / 10 servers, round_robin", topo("reference.yaml"), topo("reference-1000.yaml"))
    ratio("10000 / 10 servers, round_robin", topo("reference.yaml"), topo("reference-10000.yaml"))
    million = [rb.scalelab_run(args.scalelab, topo("million-users.yaml")) for _ in range(3)]
    print("a million users, 600 s simulated: " +
          json.dumps({"wall_s": [round(m["wall_seconds"], 1) for m in million],
                      "loop_cpu_s": [round(m["loop_cpu_seconds"], 1) for m in million],
                      "peak_memory_mb": [round(m["peak_memory_mb"]) for m in million],
                      "load_before": [m["load_before"] for m in million]}), flush=True)


if __name__ == "__main__":
    main()
