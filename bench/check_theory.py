#!/usr/bin/python3
"""Check both yardsticks against queueing theory.

With random routing every server of the reference model receives a thinned
Poisson stream (lambda / servers) and is an M/M/4 station, so the client-side
mean response is 4 one-way hops + the M/M/4 mean response (bench/erlang.py).
Each yardstick is run with --policy random and must agree within --tolerance.
Round robin is also run and reported (no closed form: each server sees
Erlang-k interarrivals, which gives less waiting than Poisson arrivals).

    /usr/bin/python3 bench/check_theory.py --heaploop build/release/bench/scalelab_bench_heaploop

Exit status 0 if both yardsticks agree with the theory, 1 otherwise.
"""

import argparse
import json
import os
import subprocess
import sys

import erlang

HERE = os.path.dirname(os.path.abspath(__file__))
LATENCY = 100e-6
SERVICE_MEAN = 10e-3
WORKERS = 4
RHO = 0.7


def run(cmd):
    """Run one yardstick and return its parsed JSON line."""
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description="Compare the yardsticks with the M/M/c closed form.")
    parser.add_argument("--heaploop", default=os.path.join(HERE, "..", "build", "release", "bench",
                                                           "scalelab_bench_heaploop"))
    parser.add_argument("--duration", type=float, default=200.0, help="simulated seconds (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--tolerance", type=float, default=0.02, help="relative tolerance (default 0.02)")
    args = parser.parse_args()

    rate = RHO * args.servers * WORKERS / SERVICE_MEAN
    per_server = rate / args.servers
    theory_ms = 1e3 * (4 * LATENCY + erlang.mmc_mean_response(per_server, 1.0 / SERVICE_MEAN, WORKERS))
    print("theory (random routing): lambda/server = %g/s, Erlang C = %.6f, mean response = %.4f ms"
          % (per_server, erlang.erlang_c(WORKERS, per_server * SERVICE_MEAN), theory_ms))

    common = ["--duration", str(args.duration), "--seed", str(args.seed), "--servers", str(args.servers)]
    yardsticks = {
        "simpy": ["/usr/bin/python3", os.path.join(HERE, "reference_simpy.py")],
        "heaploop": [args.heaploop],
    }
    ok = True
    for name, cmd in yardsticks.items():
        rnd = run(cmd + common + ["--policy", "random"])
        rr = run(cmd + common + ["--policy", "round_robin"])
        error = rnd["mean_response_ms"] / theory_ms - 1.0
        passed = abs(error) <= args.tolerance
        ok = ok and passed
        print("%-8s random: %d requests, mean %.4f ms (%+.2f%% vs theory) %s; round_robin: %d requests, mean %.4f ms"
              % (name, rnd["requests"], rnd["mean_response_ms"], 100 * error, "ok" if passed else "FAIL",
                 rr["requests"], rr["mean_response_ms"]))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
