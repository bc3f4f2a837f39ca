#!/usr/bin/env python3
"""How fast `scalelab sweep` runs a sweep: a 100-point sweep with --jobs 1 and --jobs 2 (the speed-up), and
what one run costs beyond its simulation (starting a process, loading the topology, writing the results).

Usage: python3 bench/sweep_speed.py [--binary build/release/apps/scalelab] [--rounds 3] [--json FILE]

Every measurement is the wall time of whole processes. The rounds alternate --jobs 1 and --jobs 2 so that both
see the same neighbours on a shared machine; the medians are reported, with the load average before each.
The two sweeps must give byte-identical summaries (the number of jobs changes nothing but the time).
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 100 loads on the single-server topology; each run simulates 10 minutes (300,000 requests on average).
SWEEP = """name: sweep-speed
topology: {topology}
seed: 1
set: {{duration: {duration}, warmup: 1s}}
vary:
  workload.arrival.rate: {{from: 100/s, to: 900/s, steps: 100}}
metrics: [total.latency.p99, total.throughput]
plots: []
"""

# The same with runs that simulate almost nothing: what is left is the cost of a run as such.
TINY_DURATION = "1001ms"


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall(command, cpu=None):
    start, start_cpu = time.perf_counter(), children_cpu()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    if cpu is not None:
        cpu.append(children_cpu() - start_cpu)
    return time.perf_counter() - start


def load_average():
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "release", "apps", "scalelab"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"no scalelab at {binary}: run bash scripts/build.sh release")
    work = tempfile.mkdtemp(prefix="scalelab-sweep-speed-")
    topology = os.path.join(ROOT, "topologies", "single-server.yaml")
    full = os.path.join(work, "sweep.yaml")
    tiny = os.path.join(work, "tiny.yaml")
    with open(full, "w") as f:
        f.write(SWEEP.format(topology=topology, duration="601s"))
    with open(tiny, "w") as f:
        f.write(SWEEP.format(topology=topology, duration=TINY_DURATION))
    figures = {"jobs1": [], "jobs2": [], "tiny_sweep": [], "tiny_run": [], "start": [], "check": [], "load": [],
               "tiny_sweep_cpu": [], "tiny_run_cpu": [], "start_cpu": [], "check_cpu": []}
    try:
        for r in range(args.rounds):
            for jobs in (1, 2):
                out = os.path.join(work, f"out-{r}-{jobs}")
                figures["load"].append(load_average())
                figures[f"jobs{jobs}"].append(
                    wall([binary, "sweep", full, "--jobs", str(jobs), "--out", out, "--quiet"]))
            with open(os.path.join(work, f"out-{r}-1", "summary.csv"), "rb") as a, \
                    open(os.path.join(work, f"out-{r}-2", "summary.csv"), "rb") as b:
                if a.read() != b.read():
                    sys.exit("the summaries of --jobs 1 and --jobs 2 differ")
            # The overhead of a run: a sweep of 100 runs that simulate 1 ms of measured time each, one at a
            # time, and the same runs started by hand (the plan written by the sweep above).
            out = os.path.join(work, f"tiny-{r}")
            cpu = []
            figures["tiny_sweep"].append(
                wall([binary, "sweep", tiny, "--jobs", "1", "--out", out, "--quiet"], cpu) / 100)
            figures["tiny_sweep_cpu"].append(cpu[0] / 100)
            points = sorted(os.listdir(os.path.join(out, "points")))[:20]
            topology_file = os.path.join(out, "points", points[0], "topology.yaml")
            # The run by hand, and its parts: starting the program (the dynamic loader and the libraries'
            # initialisation) and loading a topology.
            for key, command in (("tiny_run", [binary, "run", topology_file, "--quiet", "--out",
                                               os.path.join(work, "by-hand")]),
                                 ("start", [binary, "--help"]), ("check", [binary, "check", topology_file])):
                cpu = []
                total = sum(wall(command, cpu) for _ in range(20))
                figures[key].append(total / 20)
                figures[key + "_cpu"].append(sum(cpu) / 20)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    median = {k: statistics.median(v) for k, v in figures.items()}
    print(f"100-point sweep, --jobs 1: {median['jobs1']:.2f} s; --jobs 2: {median['jobs2']:.2f} s; "
          f"speed-up {median['jobs1'] / median['jobs2']:.2f} (rounds: " +
          ", ".join(f"{a / b:.2f}" for a, b in zip(figures["jobs1"], figures["jobs2"])) + ")")
    for label, key in (("per run of a sweep of runs that simulate almost nothing", "tiny_sweep"),
                       ("one such run started by hand", "tiny_run"),
                       ("  starting the program (scalelab --help)", "start"),
                       ("  starting it and loading the topology (scalelab check)", "check")):
        print(f"{label}: {median[key] * 1000:.1f} ms wall, {median[key + '_cpu'] * 1000:.1f} ms of CPU")
    print(f"load average before the sweeps: {min(figures['load']):.1f} to {max(figures['load']):.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"figures": figures, "medians": median}, f, indent=2)


if __name__ == "__main__":
    main()
