"""The reader alone, in-process: CPU seconds of `read_workbook` on the inputs `bench/run.py` builds.

    python bench/run.py --quick --out bench/out        # once, to build the inputs
    python bench/reader.py bench/out                   # this toolkit
    PYTHONPATH=/path/to/other/checkout python bench/reader.py bench/out   # another revision, to compare

CPU time (not wall time) so that other work on a shared machine moves the figures less; the
cyclic collector is off while reading, as `ctk validate` runs. Prints one line per case: the
median and the fastest of the runs.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="the folder bench/run.py built its inputs in")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    try:
        from toolkit.workbook.guard import Limits
        from toolkit.workbook.reader import read_workbook
    except ImportError:  # a checkout from before the package layout of issue 11
        from toolkit.guard import Limits  # type: ignore[no-redef]
        from toolkit.reader import read_workbook  # type: ignore[no-redef]
    limits = Limits(max_cells=5_000_000)
    soa = next((args.out / "pack").glob("soa*.xlsx"))
    books = sorted((args.out / "soas").glob("*.xlsx"))
    registers = sorted(args.out.glob("register_*.xlsx"))
    cases = [("sample SoA", [soa], args.runs), (f"{len(books)} SoAs", books, args.runs)]
    cases += [(f"{p.stem}", [p], 3) for p in registers]
    read_workbook(soa, limits=limits)  # imports and declarations loaded before timing
    for label, paths, runs in cases:
        times = []
        for _ in range(runs):
            gc.disable()
            start = time.process_time()
            for path in paths:
                read_workbook(path, limits=limits)
            times.append(time.process_time() - start)
            gc.enable()
            gc.collect()
        print(f"{label}: median {statistics.median(times):.4f} s, fastest {min(times):.4f} s ({runs} runs, CPU)")


if __name__ == "__main__":
    main()
