#!/usr/bin/python3
"""Reference model of the scalelab benchmark, written in SimPy 2.3.

Open-loop Poisson arrivals from a client to a load balancer, which routes each
request (round robin or uniformly at random) to one of N servers. Each server is
an M/M/c station: a FIFO queue in front of c parallel workers with exponential
service times. Every network hop (client -> balancer -> server -> balancer ->
client) takes a fixed one-way latency; the balancer itself takes no time.

The model uses the classic SimPy process-interaction style: one Process per
request, one Resource per server, hold() for latencies and service times.

Needs Debian's python3-simpy (module `SimPy`), hence /usr/bin/python3:

    /usr/bin/python3 bench/reference_simpy.py --duration 50 --seed 1 --policy random

Prints one JSON line on stdout (see bench/README.md).
"""

import argparse
import json
import random
import resource
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

LATENCY = 100e-6  # one-way network latency of every hop, seconds
SERVICE_MEAN = 10e-3  # mean service time, seconds
WORKERS = 4  # parallel workers per server
RHO = 0.7  # default utilisation, used to derive the arrival rate


class Stats:
    """Counters of the requests whose response reached the client."""

    def __init__(self):
        self.completed = 0
        self.total_response = 0.0


class Balancer:
    """Routing decision of the load balancer (no processing time)."""

    def __init__(self, servers, policy, rng):
        self.servers = servers
        self.policy = policy
        self.rng = rng
        self.next_index = 0

    def pick(self):
        if self.policy == "round_robin":
            server = self.servers[self.next_index]
            self.next_index = (self.next_index + 1) % len(self.servers)
            return server
        return self.servers[self.rng.randrange(len(self.servers))]


class RequestProc(Process):
    """Life of one request, from the client's send to the client's receipt."""

    def run(self, balancer, rng, stats):
        sent = now()
        yield hold, self, LATENCY  # client -> balancer
        server = balancer.pick()
        yield hold, self, LATENCY  # balancer -> server
        yield request, self, server  # FIFO queue, wait for a free worker
        yield hold, self, rng.expovariate(1.0 / SERVICE_MEAN)
        yield release, self, server
        yield hold, self, LATENCY  # server -> balancer
        yield hold, self, LATENCY  # balancer -> client
        stats.completed += 1
        stats.total_response += now() - sent


class Client(Process):
    """Open-loop Poisson source: starts one RequestProc per arrival."""

    def run(self, rate, balancer, rng, stats):
        while True:
            yield hold, self, rng.expovariate(rate)
            req = RequestProc()
            activate(req, req.run(balancer, rng, stats))


def peak_rss_kib():
    """Peak resident set size of this process, in KiB.

    Linux keeps ru_maxrss across fork + exec, so getrusage() reports at least the
    peak of the parent process that launched this one (e.g. a large benchmark
    driver). VmHWM in /proc/self/status belongs to the current program image only,
    so it is preferred; getrusage() is the fallback where /proc is not available.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=200.0, help="simulated seconds (default 200)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", choices=["round_robin", "random"], default="round_robin")
    parser.add_argument("--servers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=None,
                        help="arrival rate in requests/s (default: rho 0.7, i.e. 0.7 * servers * 4 / 0.01)")
    args = parser.parse_args()
    rate = args.rate if args.rate is not None else RHO * args.servers * WORKERS / SERVICE_MEAN

    rng = random.Random(args.seed)
    stats = Stats()

    # Only the simulation itself is timed (not the interpreter start-up).
    start = time.perf_counter()
    initialize()
    servers = [Resource(capacity=WORKERS, name="server%d" % i) for i in range(args.servers)]
    balancer = Balancer(servers, args.policy, rng)
    client = Client()
    activate(client, client.run(rate, balancer, rng, stats))
    simulate(until=args.duration)
    wall = time.perf_counter() - start

    mean_ms = 1e3 * stats.total_response / stats.completed if stats.completed else 0.0
    peak_rss_mb = peak_rss_kib() / 1024.0
    print(json.dumps({
        "impl": "simpy",
        "requests": stats.completed,
        "mean_response_ms": round(mean_ms, 6),
        "wall_s": round(wall, 6),
        "req_per_s": round(stats.completed / wall, 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
