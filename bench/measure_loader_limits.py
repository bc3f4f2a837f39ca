#!/usr/bin/env python3
"""Time and memory of `scalelab check` on files at and beyond the topology limits (docs/yaml-reference.md,
section Limits), for docs/performance.md. Writes the files to a temporary folder, runs each once under
/usr/bin/time and prints a Markdown table: the file, what check answered, wall seconds, peak memory.

Usage: python3 bench/measure_loader_limits.py [build/release/apps/scalelab]
"""
import os
import subprocess
import sys
import tempfile

SERVICES = """services:
  lb: {kind: load_balancer, host: lb, backends: app}
  app: {kind: api_server, hosts: web}
  users: {kind: database, host: db}
requests:
  get: [cpu: 1Mf, db_read: users]
workload: {entry: lb, arrival: {process: poisson, rate: 100/s}}
"""


def three_tier(web):
    return ("name: big\nhardware:\n  hosts:\n    - {name: lb}\n    - {name: web, count: %d}\n    - {name: db}\n"
            % web) + SERVICES


def explicit(n):
    lines = ["name: big", "hardware:", "  hosts:"]
    lines += ["    - {name: h%06d, cores: 4, speed: 2Gf}" % i for i in range(n)]
    lines += ["  switches: [{name: sw}]", "  links:"]
    lines += ["    - {between: [h%06d, sw], bandwidth: 1Gbps, latency: 5us}" % i for i in range(n)]
    lines += ["services:", "  app: {kind: api_server, hosts: [%s]}" % ", ".join("h%06d" % i for i in range(n)),
              "requests:", "  get: [cpu: 1Mf]",
              "workload: {entry: app, arrival: {process: poisson, rate: 100/s}}"]
    return "\n".join(lines) + "\n"


def misspelt(n):
    # A million hosts and a hundred services naming hosts that do not exist: a hundred messages, each with
    # the closest names among a million.
    lines = ["name: big", "hardware:", "  hosts:", "    - {name: web, count: 1000000}", "services:"]
    lines += ["  s%d: {kind: database, host: wbe-%d}" % (i, i) for i in range(n)]
    lines += ["requests:", "  r: [cpu: 1Mf]", "workload: {entry: s0, arrival: {process: poisson, rate: 100/s}}"]
    return "\n".join(lines) + "\n"


CASES = [
    ("100,000 hosts (a group), a balancer, a database", lambda: three_tier(100_000)),
    ("1,000,000 hosts (the limit)", lambda: three_tier(999_998)),
    ("100,000 hosts and 100,000 links written one by one (11 MB)", lambda: explicit(100_000)),
    ("a group of 2147483647 hosts", lambda: three_tier(2_147_483_647)),
    ("16 MiB of `[a, a, a, ...]`: 8 million values", lambda: "[" + ",".join(["a"] * 8_000_000) + "]\n"),
    ("2^24 nested aliases: a few hundred bytes", lambda: "\n".join(
        ["x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"] +
        ["x%d: &a%d [%s]" % (i, i, ", ".join(["*a%d" % (i - 1)] * 10)) for i in range(1, 25)]) + "\n"),
    ("a stray comma: `,`", lambda: ","),
    ("100 unknown hosts among 1,000,000", lambda: misspelt(200)),
]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "build/release/apps/scalelab"
    print("| file | check says | wall s | peak MB |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, make in CASES:
            path = os.path.join(folder, "case.yaml")
            with open(path, "w") as f:
                f.write(make())
            run = subprocess.run(["/usr/bin/time", "-f", "%e %M", binary, "check", path],
                                 capture_output=True, text=True)
            lines = run.stderr.strip().splitlines()
            seconds, kb = lines[-1].split()
            answer = "ok" if run.returncode == 0 else "%d errors, exit %d: %s" % (
                len(lines) - 1 - (1 if lines[0].startswith("Command exited") else 0), run.returncode,
                next((l.split(": ", 1)[1] for l in lines if l.startswith(path)), "")[:70])
            print("| %s | %s | %s | %d |" % (label, answer.replace("|", "\\|"), seconds, int(kb) // 1024))


if __name__ == "__main__":
    main()
