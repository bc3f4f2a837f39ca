#!/usr/bin/python3
"""Heap allocations per simulated request in steady state, split by who allocates.

    /usr/bin/python3 bench/count_allocations.py [--topology bench/reference.yaml] [--short 100s] [--long 200s]

Runs scalelab twice under valgrind's DHAT (which counts every allocation and where it came from), for a
short and a long simulated duration. The difference between the two runs is what the extra simulated time
cost: start-up and final reports cancel out. Prints the extra allocations per extra request, for scalelab's
own code and for SimGrid (whichever of the two has the innermost frame of the allocating stack). Needs valgrind
(Debian's package).
"""

import argparse
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(binary, topology, duration, workdir):
    dhat = os.path.join(workdir, f"dhat-{duration}.json")
    stats = os.path.join(workdir, f"engine-{duration}.json")
    subprocess.run(["valgrind", "--tool=dhat", f"--dhat-out-file={dhat}", binary, "run", topology, "--duration",
                    duration, "--quiet", "--out", workdir, "--engine-stats", stats],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(dhat) as f:
        profile = json.load(f)
    with open(stats) as f:
        engine = json.load(f)
    ours = simgrid = 0
    for site in profile["pps"]:
        frames = [profile["ftbl"][i] for i in site["fs"]]
        owner = next((f for f in frames if "scalelab::" in f or "simgrid::" in f or "libsimgrid" in f), "")
        if "scalelab::" in owner:
            ours += site["tbk"]
        else:
            simgrid += site["tbk"]
    return ours, simgrid, engine["requests"], engine["wakeups"]


def two_lengths_parser(description, short, long):
    """The options of a tool that runs a topology at two simulated lengths and keeps the difference."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalelab", default=os.path.join(ROOT, "build", "release", "apps", "scalelab"))
    parser.add_argument("--topology", default=os.path.join(ROOT, "bench", "reference.yaml"))
    parser.add_argument("--short", default=short)
    parser.add_argument("--long", default=long)
    return parser


def main():
    args = two_lengths_parser(__doc__, "100s", "200s").parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        o1, s1, r1, w1 = run(args.scalelab, args.topology, args.short, workdir)
        o2, s2, r2, w2 = run(args.scalelab, args.topology, args.long, workdir)
    requests, wakeups = r2 - r1, w2 - w1
    print(f"{requests} more requests, {wakeups} more host wake-ups between {args.short} and {args.long}")
    print(f"scalelab's code: {o2 - o1} more allocations, {(o2 - o1) / requests:.5f} per request")
    print(f"SimGrid:         {s2 - s1} more allocations, {(s2 - s1) / requests:.3f} per request")


if __name__ == "__main__":
    main()
