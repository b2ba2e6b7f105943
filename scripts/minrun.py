#!/usr/bin/env python3
"""Runs shell commands N times each, interleaved, and prints the minimum and
median wall and CPU time (user + system of the child) of each.

Interleaving puts every build under the same conditions on a noisy machine;
the minimum is the figure closest to the work itself.

    python3 scripts/minrun.py 20 "old/alloy check big.alloy" "new/alloy check big.alloy"
"""
import os
import resource
import subprocess
import sys
import time


def main() -> None:
    runs = int(sys.argv[1])
    commands = sys.argv[2:]
    results = {command: [] for command in commands}
    for _ in range(runs):
        for command in commands:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, shell=True, stdout=subprocess.DEVNULL, check=False)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            results[command].append((wall, cpu))
    for command in commands:
        walls = sorted(r[0] for r in results[command])
        cpus = sorted(r[1] for r in results[command])
        print(
            f"wall min {walls[0] * 1000:6.1f} med {walls[len(walls) // 2] * 1000:6.1f} ms | "
            f"cpu min {cpus[0] * 1000:6.1f} med {cpus[len(cpus) // 2] * 1000:6.1f} ms | {command}"
        )
    print("load average", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
