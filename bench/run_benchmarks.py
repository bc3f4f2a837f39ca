#!/usr/bin/python3
"""The performance benchmark of docs/performance.md: scalelab and its yardsticks, measured in one run.

    scripts/build.sh release
    /usr/bin/python3 bench/run_benchmarks.py [--runs 5] [--quick] [--out bench/last-run.json]

Measures, one run after another (never two at once, so they do not compete for the two cores):
  - the reference model (bench/reference.yaml): scalelab's windowed and plain engines, the hand-written heap
    loop and SimPy 2.3, in simulated requests per wall second, and their ratios;
  - the same model at 1000 servers (bench/reference-1000.yaml): scalelab and the heap loop, each run in pairs
    with the reference model (back to back): the 1000/10 ratio is the median of the pairs' ratios;
  - the same 1000/10 ratio with each other balancing policy instead of round robin (copies of the two files
    with the policy changed; weighted with weights 1, 2, 3, 1, 2, 3, ...);
  - each of these ratios also of the event loops alone (engine-stats' requests_per_loop_second: the runs without
    their set-up, which is a fixed cost, larger for a larger topology);
  - the cache-aside model (bench/cache-aside.yaml: the reference model with a cache of 100,000 entries and a
    database behind it, Zipf keys over a million), in pairs with the reference model like the 1000 servers;
  - the sharded model (bench/sharded.yaml: the reference model with a read of each request's key from a
    database of 3 shards behind the 10 servers), in pairs with the reference model like the cache-aside model;
  - the sessions model (bench/sessions.yaml: the reference model with 100,000 users, sticky balancing and local
    sessions), in pairs with the reference model;
  - the replication model (bench/replicas.yaml: the reference model whose requests then read from two async
    replicas or write to their primary), in pairs with the reference model like the cache-aside model;
  - the connection-pool model (bench/pools.yaml: the reference model whose requests then read from a database
    through a pool of 2 + 1 connections per server), in pairs with the reference model;
  - the queue model (bench/queues.yaml: the reference model whose requests each publish a job to a broker that
    40 workers consume), in pairs with the reference model;
  - the sharded-and-replicated model (bench/sharded-replicas.yaml: the same reads and writes to a database of 3
    shards, each a primary with two async replicas, behind the 10 servers), in pairs with the reference model;
  - the reference model at 10,000 servers (bench/reference-10000.yaml), in pairs with the reference model;
  - the protection model (bench/protection.yaml: a rate-limited balancer in front of 10 servers whose requests
    each call a backend tier with a timeout, retries, a retry budget and a circuit breaker), in pairs with the
    reference model;
  - the autoscaling model (bench/autoscaling.yaml: the reference model's servers as 20 slots that an autoscaler
    keeps 6 to 20 of running, under a daily curve of load from 1400/s to 4200/s), in pairs with the reference
    model;
  - the CDN model (bench/cdn.yaml: a CDN edge in front of the reference model, 90 % of the requests cacheable
    with Zipf keys and a 10 s TTL), in pairs with the reference model;
  - the GeoDNS model (bench/geodns.yaml: the reference model in each of two data centres, users in two zones sent
    by GeoDNS, one zone down for 20 s), in pairs with the reference model;
  - the workers model (bench/workers.yaml: the protection model's rate-limited balancer, servers and guarded
    calls to a backend tier, each request then publishing a job to a broker that an autoscaled worker pool of 4
    to 16 hosts consumes), in pairs with the reference model;
  - a million users (bench/million-users.yaml): wall time, peak memory, requests in flight, and memory per
    request in flight (peak memory above the reference model's, divided by the peak number in flight);
  - lesson 13's topology (experiments/lessons/13-millions-of-users/topology.yaml: a million users, a CDN edge,
    a balancer, 100 API servers, a cache, 4 shards with 2 async replicas each, a queue and 10 worker hosts) for
    ten simulated minutes (--duration 600s): wall time and peak memory (the goal: under 60 s and 1 GB).
Prints a Markdown table and writes every raw figure to --out. Wall-clock figures depend on what else the
machine is doing: the 1-minute load average before each run is recorded with it.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# The models run in pairs with the reference model: (key in the results, file in bench/, row of the table).
BESIDE_REFERENCE = [
    ("cache_aside", "cache-aside.yaml", "cache-aside model"),
    ("sharded", "sharded.yaml", "sharded model (3 shards)"),
    ("sessions", "sessions.yaml", "sessions model"),
    ("replicas", "replicas.yaml", "replication model"),
    ("pools", "pools.yaml", "connection-pool model"),
    ("queues", "queues.yaml", "queue model"),
    ("sharded_replicas", "sharded-replicas.yaml", "sharded and replicated model (3 shards x 2 replicas)"),
    ("servers_10000", "reference-10000.yaml", "reference model at 10,000 servers"),
    ("protection", "protection.yaml", "protection model (rate limit, timeouts, retries, breaker)"),
    ("autoscaling", "autoscaling.yaml", "autoscaling model (daily load, 6 to 20 servers)"),
    ("cdn", "cdn.yaml", "CDN model (an edge in front of the reference model)"),
    ("geodns", "geodns.yaml", "GeoDNS model (the reference model in two data centres, users in two zones)"),
    ("workers", "workers.yaml", "workers model (rate limit, timeouts, retries, broker, autoscaled workers)"),
]
ROOT = os.path.dirname(HERE)
LOOP = "requests_per_loop_second"  # the engine-stats speed of the event loop alone
LOOP_CPU = "requests_per_loop_cpu_second"  # the same, over the loop's processor time
LESSON_13 = os.path.join(ROOT, "experiments", "lessons", "13-millions-of-users", "topology.yaml")


def load():
    return round(os.getloadavg()[0], 2)


def scalelab_run(binary, topology, extra=()):
    with tempfile.TemporaryDirectory() as out:
        stats = os.path.join(out, "engine.json")
        before = load()
        subprocess.run([binary, "run", topology, "--quiet", "--out", out, "--engine-stats", stats, *extra],
                       check=True)
        with open(stats) as f:
            result = json.load(f)
        result["load_before"] = before
        print(json.dumps(result), file=sys.stderr)
        return result


def yardstick(cmd):
    before = load()
    line = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    result = json.loads(line)
    result["load_before"] = before
    print(json.dumps(result), file=sys.stderr)
    return result


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def with_policy(topology, policy, servers, directory):
    """A copy of `topology` (a round-robin balancer over `servers` backends) with another policy."""
    with open(topology) as f:
        text = f.read()
    setting = f"policy: {policy}"
    if policy == "weighted":
        setting += ", weights: [" + ", ".join(str(1 + i % 3) for i in range(servers)) + "]"
    assert "policy: round_robin" in text
    path = os.path.join(directory, f"{policy}-{servers}.yaml")
    with open(path, "w") as f:
        f.write(text.replace("policy: round_robin", setting))
    return path


def pairs(binary, small, big, runs, small_extra, big_extra):
    """Runs `small` and `big` back to back (in alternating order), `runs` times: the two lists of results."""
    small_runs, big_runs = [], []
    for i in range(runs):
        if i % 2 == 1:
            big_runs.append(scalelab_run(binary, big, big_extra))
        small_runs.append(scalelab_run(binary, small, small_extra))
        if i % 2 == 0:
            big_runs.append(scalelab_run(binary, big, big_extra))
    return small_runs, big_runs


def pair_ratios_of(small_runs, big_runs, speed="requests_per_wall_second"):
    """Each pair's ratio of speeds: of the whole runs, or with speed="requests_per_loop_second" of their event loops
    alone (without the set-up, a fixed cost that weighs more on a short run of a larger topology), or with
    speed="requests_per_loop_cpu_second" of the loops' processor time."""
    return [b[speed] / r[speed] for r, b in zip(small_runs, big_runs)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scalelab", default=os.path.join(ROOT, "build", "release", "apps", "scalelab"))
    parser.add_argument("--heaploop", default=os.path.join(ROOT, "build", "release", "bench", "scalelab_bench_heaploop"))
    parser.add_argument("--runs", type=int, default=5, help="runs of each fast measurement (the median is kept)")
    parser.add_argument("--quick", action="store_true", help="shorter simulations, one run each (a smoke test)")
    parser.add_argument("--out", default=os.path.join(HERE, "last-run.json"))
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    topo = lambda name: os.path.join(HERE, name)
    duration = ["--duration", "20s"] if args.quick else []
    results = {}

    # The reference model and 1000 servers in pairs, run back to back (in alternating order), so that a ratio
    # compares runs made under the same load of the shared machine; the ratio kept is the median of the pairs'.
    big_duration = ["--duration", "2s"] if args.quick else []
    ref, big = pairs(args.scalelab, topo("reference.yaml"), topo("reference-1000.yaml"), runs, duration, big_duration)
    results["scalelab_reference"] = ref
    results["scalelab_reference_1000"] = big
    policy_ratios, policy_loop_ratios = {}, {}
    with tempfile.TemporaryDirectory() as copies:
        for policy in ("random", "weighted", "least_connections", "power_of_two"):
            small_runs, big_runs = pairs(args.scalelab, with_policy(topo("reference.yaml"), policy, 10, copies),
                                         with_policy(topo("reference-1000.yaml"), policy, 1000, copies), runs,
                                         duration, big_duration)
            results[f"scalelab_reference_{policy}"] = small_runs
            results[f"scalelab_reference_1000_{policy}"] = big_runs
            policy_ratios[policy] = pair_ratios_of(small_runs, big_runs)
            policy_loop_ratios[policy] = pair_ratios_of(small_runs, big_runs, LOOP)
    # Each model beside the reference model, in pairs: (key in the results, file, row of the table).
    beside = {}
    for key, file, _ in BESIDE_REFERENCE:
        ref_runs, model_runs = pairs(args.scalelab, topo("reference.yaml"), topo(file), runs, duration, duration)
        results[f"scalelab_reference_beside_{key}"] = ref_runs
        results[f"scalelab_{key}"] = model_runs
        beside[key] = (ref_runs, model_runs)
    plain = [scalelab_run(args.scalelab, topo("reference.yaml"), ["--engine", "plain", *duration])]
    results["scalelab_reference_plain"] = plain
    sim_seconds = 20 if args.quick else 200
    heap, heap_big = [], []
    for _ in range(runs):
        heap.append(yardstick([args.heaploop, "--duration", str(sim_seconds), "--seed", "1"]))
        heap_big.append(yardstick([args.heaploop, "--servers", "1000", "--duration", "1" if args.quick else "4",
                                   "--seed", "1"]))
    results["heaploop_reference"] = heap
    results["heaploop_reference_1000"] = heap_big
    simpy = [yardstick(["/usr/bin/python3", os.path.join(HERE, "reference_simpy.py"), "--duration",
                        str(sim_seconds // 4), "--seed", "1"])]
    results["simpy_reference"] = simpy

    million = scalelab_run(args.scalelab, topo("million-users.yaml"), ["--duration", "90s"] if args.quick else [])
    results["scalelab_million_users"] = million
    lesson13 = scalelab_run(args.scalelab, LESSON_13, ["--duration", "60s" if args.quick else "600s"])
    results["scalelab_lesson13"] = lesson13

    s_ref = median_of(ref, "requests_per_wall_second")
    s_plain = median_of(plain, "requests_per_wall_second")
    h_ref = median_of(heap, "req_per_s")
    p_ref = median_of(simpy, "req_per_s")
    s_big = median_of(big, "requests_per_wall_second")
    pair_ratios = pair_ratios_of(ref, big)
    heap_ratios = [b["req_per_s"] / r["req_per_s"] for r, b in zip(heap, heap_big)]
    h_big = median_of(heap_big, "req_per_s")
    baseline_mb = median_of(ref, "peak_memory_mb")
    per_request_kb = (million["peak_memory_mb"] - baseline_mb) * 1024 / max(1, million["peak_requests_in_flight"])
    summary = {
        "scalelab_reference_req_per_s": s_ref,
        "scalelab_plain_reference_req_per_s": s_plain,
        "heaploop_reference_req_per_s": h_ref,
        "simpy_reference_req_per_s": p_ref,
        "scalelab_over_simpy": s_ref / p_ref,
        "scalelab_over_heaploop": s_ref / h_ref,
        "scalelab_1000_servers_req_per_s": s_big,
        "scalelab_1000_over_10_servers": statistics.median(pair_ratios),
        "scalelab_1000_over_10_servers_each_pair": pair_ratios,
        "scalelab_1000_over_10_servers_by_policy": {p: statistics.median(r) for p, r in policy_ratios.items()},
        "scalelab_1000_over_10_servers_event_loop": statistics.median(pair_ratios_of(ref, big, LOOP)),
        "scalelab_1000_over_10_servers_event_loop_by_policy": {
            p: statistics.median(r) for p, r in policy_loop_ratios.items()},
        "heaploop_1000_over_10_servers": statistics.median(heap_ratios),
        "heaploop_1000_servers_req_per_s": h_big,
        "million_users_wall_s": million["wall_seconds"],
        "million_users_simulated_s": million["simulated_seconds"],
        "million_users_peak_memory_mb": million["peak_memory_mb"],
        "million_users_peak_in_flight": million["peak_requests_in_flight"],
        "memory_per_request_in_flight_kb": per_request_kb,
        "lesson13_wall_s": lesson13["wall_seconds"],
        "lesson13_simulated_s": lesson13["simulated_seconds"],
        "lesson13_requests": lesson13["requests"],
        "lesson13_events": lesson13["events"],
        "lesson13_peak_memory_mb": lesson13["peak_memory_mb"],
        "load_average_now": load(),
    }
    for key, (ref_runs, model_runs) in beside.items():
        summary[f"scalelab_{key}_req_per_s"] = median_of(model_runs, "requests_per_wall_second")
        summary[f"scalelab_{key}_over_reference"] = statistics.median(pair_ratios_of(ref_runs, model_runs))
        summary[f"scalelab_{key}_over_reference_event_loop"] = statistics.median(
            pair_ratios_of(ref_runs, model_runs, LOOP))
    results["summary"] = summary
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    rows = [
        ("reference model, scalelab (windowed engine)", f"{s_ref:,.0f} req/s", f"{median_of(ref, 'peak_memory_mb'):.0f} MB"),
        ("reference model, scalelab (plain engine)", f"{s_plain:,.0f} req/s", f"{median_of(plain, 'peak_memory_mb'):.0f} MB"),
        ("reference model, hand-written heap loop", f"{h_ref:,.0f} req/s", f"{median_of(heap, 'peak_rss_mb'):.1f} MB"),
        ("reference model, SimPy 2.3", f"{p_ref:,.0f} req/s", f"{median_of(simpy, 'peak_rss_mb'):.1f} MB"),
        ("1000 servers, scalelab", f"{s_big:,.0f} req/s", f"{median_of(big, 'peak_memory_mb'):.0f} MB"),
        ("1000 servers, heap loop", f"{h_big:,.0f} req/s", f"{median_of(heap_big, 'peak_rss_mb'):.1f} MB"),
        (f"a million users, {million['simulated_seconds']:.0f} s simulated", f"{million['wall_seconds']:.1f} s wall",
         f"{million['peak_memory_mb']:.0f} MB"),
    ]
    million_row = rows.pop()
    for key, _, label in BESIDE_REFERENCE:
        model_runs = beside[key][1]
        rows.append((f"{label}, scalelab", f"{median_of(model_runs, 'requests_per_wall_second'):,.0f} req/s",
                     f"{median_of(model_runs, 'peak_memory_mb'):.0f} MB"))
    rows.append(million_row)
    rows.append((f"lesson 13 (a million users, every block), {lesson13['simulated_seconds']:.0f} s simulated",
                 f"{lesson13['wall_seconds']:.1f} s wall", f"{lesson13['peak_memory_mb']:.0f} MB"))
    print("| measurement | speed | peak memory |\n|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")
    print(f"\nscalelab / SimPy = {s_ref / p_ref:.1f}x, scalelab / heap loop = {s_ref / h_ref:.2f}x, "
          f"1000 / 10 servers = {statistics.median(pair_ratios):.2f}x (pairs: "
          f"{', '.join(f'{x:.2f}' for x in pair_ratios)}; heap loop {statistics.median(heap_ratios):.2f}x), "
          f"{per_request_kb:.2f} KB per request in flight ({million['peak_requests_in_flight']} in flight)")
    print("1000 / 10 servers with other policies (median of the pairs, smallest-largest): " +
          ", ".join(f"{p} {statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})" for p, r in policy_ratios.items()))
    print("the same ratios of the event loops alone (without the set-up): round_robin "
          f"{summary['scalelab_1000_over_10_servers_event_loop']:.2f}, " +
          ", ".join(f"{p} {r:.2f}" for p, r in summary["scalelab_1000_over_10_servers_event_loop_by_policy"].items()))


if __name__ == "__main__":
    main()
