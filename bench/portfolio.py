"""`ctk portfolio` over 30 client folders in mixed states (issue 16: under 5 s on 2 cores with --jobs).

    python bench/portfolio.py [--runs 5] [--clients 30]

Builds the folders once (tests/clients.py: fresh, half-filled and ready engagements, and two that
cannot be surveyed), then times whole `ctk portfolio` processes, `--jobs 1` and `--jobs 2`
interleaved, and prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clients", type=int, default=30)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.clients import make_clients

    with tempfile.TemporaryDirectory(prefix="ctk-portfolio-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        make_clients(root, args.clients)
        built = time.perf_counter() - started
        times: dict[int, list[float]] = {1: [], 2: []}
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for _ in range(args.runs):
            for jobs in (1, 2):
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "toolkit", "portfolio", str(root), "--as-of", "2027-03-01", "--jobs", str(jobs)],
                    check=True,
                    capture_output=True,
                    env=env,
                )
                times[jobs].append(time.perf_counter() - t0)
    load = os.getloadavg()[0]
    print(f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, {platform.platform()}")
    print(
        f"- CPython {platform.python_version()}; {args.clients} client folders (+2 that cannot be surveyed), built in {built:.0f} s"
    )
    print(f"- {args.runs} runs each, interleaved; whole processes; load {load:.2f} at the end")
    print()
    print("| case | median s | min s | max s | target | met? |")
    print("|---|---|---|---|---|---|")
    for jobs, values in times.items():
        med = statistics.median(values)
        met = "yes" if med < TARGET_S else "**no**"
        print(
            f"| `ctk portfolio --jobs {jobs}`, {args.clients} clients | {med:.2f} | {min(values):.2f} | {max(values):.2f} | < {TARGET_S:.0f} s | {met} |"
        )


if __name__ == "__main__":
    main()
