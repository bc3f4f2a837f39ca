#!/usr/bin/python3
"""Run each yardstick several times and print the median speed and peak RSS.

    /usr/bin/python3 bench/measure_yardsticks.py --heaploop build/release/bench/scalelab_bench_heaploop \\
        --runs 3 --duration 200 --simpy-duration 50 [--servers 10] [--policy round_robin]

Runs are sequential (never concurrent), so that they do not compete for cores.
Every raw JSON line is echoed on stderr; one JSON summary line per yardstick is
printed on stdout: {"impl":..., "runs":..., "duration_s":..., "servers":...,
"requests":..., "mean_response_ms":..., "req_per_s_median":..., "req_per_s_all":[...],
"peak_rss_mb_median":..., "loadavg_before":[...]}.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
loads = []  # 1-minute load average before each run


def run(cmd):
    loads.append(round(os.getloadavg()[0], 2))  # other work on the machine skews wall-clock figures
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    line = out.strip().splitlines()[-1]
    print(line, file=sys.stderr)
    return json.loads(line)


def main():
    parser = argparse.ArgumentParser(description="Median speed of the yardsticks.")
    parser.add_argument("--heaploop", default=os.path.join(HERE, "..", "build", "release", "bench",
                                                           "scalelab_bench_heaploop"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=200.0, help="simulated seconds for the heap loop")
    parser.add_argument("--simpy-duration", type=float, default=None,
                        help="simulated seconds for SimPy (default: same as --duration)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--policy", choices=["round_robin", "random"], default="round_robin")
    parser.add_argument("--only", choices=["simpy", "heaploop"], default=None, help="run a single yardstick")
    args = parser.parse_args()

    simpy_duration = args.simpy_duration if args.simpy_duration is not None else args.duration
    yardsticks = [
        ("heaploop", [args.heaploop], args.duration),
        ("simpy", ["/usr/bin/python3", os.path.join(HERE, "reference_simpy.py")], simpy_duration),
    ]
    for name, cmd, duration in yardsticks:
        if args.only and args.only != name:
            continue
        full = cmd + ["--duration", str(duration), "--seed", str(args.seed), "--servers", str(args.servers),
                      "--policy", args.policy]
        del loads[:]
        results = [run(full) for _ in range(args.runs)]
        speeds = [r["req_per_s"] for r in results]
        print(json.dumps({
            "impl": name,
            "runs": args.runs,
            "duration_s": duration,
            "servers": args.servers,
            "policy": args.policy,
            "requests": results[0]["requests"],
            "mean_response_ms": results[0]["mean_response_ms"],
            "req_per_s_median": statistics.median(speeds),
            "req_per_s_all": speeds,
            "peak_rss_mb_median": statistics.median(r["peak_rss_mb"] for r in results),
            "loadavg_before": list(loads),
        }, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
