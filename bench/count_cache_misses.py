#!/usr/bin/python3
"""Instructions and cache misses per simulated request, counted, not timed, by function.

    /usr/bin/python3 bench/count_cache_misses.py --topology bench/reference-10000.yaml --short 0.55s --long 0.6s
    /usr/bin/python3 bench/count_cache_misses.py --topology bench/reference.yaml --short 20s --long 30s --functions 12

Runs scalelab twice under valgrind's cachegrind, for a short and a long simulated duration (both past the
file's warm-up); the difference between the two runs is what the extra simulated time cost: the set-up and the
results cancel out. Prints, per extra request, the instructions, the first-level data cache's read and write
misses and the last level's, for the whole program and for the functions with the most first-level read
misses. The caches are those of these machines: a 48 KB 12-way first level and, by default, a 512 KB last level,
the size of their second-level cache (cachegrind models two levels; `--last-level 8388608` models a share of
the third instead). Counts do not depend on the machine's load, so one pair of runs tells a change of a few
per cent that wall times on a shared machine cannot. Cachegrind models no prefetching and counts misses, not
how long they take or how they overlap. Needs valgrind (Debian's package); takes about 50 times the runs' time.
"""

import json
import os
import re
import subprocess
import tempfile

from count_allocations import two_lengths_parser

EVENTS = ("Ir", "D1mr", "D1mw", "DLmr", "DLmw")


def run(binary, topology, duration, last_level, workdir):
    """(totals by event, {function: totals by event}, requests) of one run under cachegrind."""
    out = os.path.join(workdir, f"cachegrind-{duration}.out")
    stats = os.path.join(workdir, f"engine-{duration}.json")
    subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=yes", "--D1=49152,12,64",
                    f"--LL={last_level},16,64", f"--cachegrind-out-file={out}", binary, "run", topology, "--duration",
                    duration, "--quiet", "--out", workdir, "--engine-stats", stats],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(stats) as f:
        requests = json.load(f)["requests"]
    events, functions, current = [], {}, None
    with open(out) as f:
        for line in f:
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("fn="):
                # A function's name without its parameters: overloads are added up.
                current = re.sub(r"\(.*", "", line[3:].strip())
            elif line.startswith("summary:"):
                totals = dict(zip(events, map(int, line.split()[1:])))
            elif current and line[:1].isdigit():
                counts = functions.setdefault(current, dict.fromkeys(events, 0))
                for event, value in zip(events, line.split()[1:]):
                    counts[event] += int(value)
    return totals, functions, requests


def per_request(short, long, requests):
    return {e: (long.get(e, 0) - short.get(e, 0)) / requests for e in EVENTS}


def main():
    parser = two_lengths_parser(__doc__, "20s", "30s")
    parser.add_argument("--last-level", type=int, default=524288, help="bytes (default: 512 KB)")
    parser.add_argument("--functions", type=int, default=8, help="how many functions to list")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        short_totals, short_functions, short_requests = run(args.scalelab, args.topology, args.short,
                                                            args.last_level, workdir)
        long_totals, long_functions, long_requests = run(args.scalelab, args.topology, args.long, args.last_level,
                                                         workdir)
    requests = long_requests - short_requests
    if requests <= 0:
        raise SystemExit(f"the {args.long} run completed no more requests than the {args.short} one")

    def row(counts, name):
        return "  ".join(f"{counts[e]:9.2f}" for e in EVENTS) + f"  {name}"

    print(f"{requests} more requests between {args.short} and {args.long}; per request:")
    print("  ".join(f"{e:>9}" for e in EVENTS))
    print(row(per_request(short_totals, long_totals, requests), "whole program"))
    functions = {name: per_request(short_functions.get(name, {}), counts, requests)
                 for name, counts in long_functions.items()}
    for name, counts in sorted(functions.items(), key=lambda item: -item[1]["D1mr"])[:args.functions]:
        print(row(counts, name))


if __name__ == "__main__":
    main()
