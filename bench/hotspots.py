"""Where `ctk validate` spends its time: sampled profiles and import times of the benchmark's cases.

    python bench/hotspots.py            # after bench/run.py has built bench/out/
    python bench/hotspots.py --top 25 --soa-runs 30

For the sample SoA and the big register it runs `ctk validate` under py-spy (sampling from outside
the process, so the shares are not skewed by tracing overhead; `pip install py-spy`), or under
cProfile when py-spy is missing, and prints the functions by inclusive share (time with the
function on the stack) and by self share. The SoA takes a fraction of a second, so it is run
`--soa-runs` times and the samples are pooled. Then `python -X importtime` of the SoA command:
the modules whose import costs most, cumulative and self.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PY = sys.executable
IMPORTING = "(any import)"
#: Frames every sample passes through (entry point, click's dispatch, import machinery).
PLUMBING = ("<frozen ", "ctk:<module>", "click/", "runpy", "toolkit/cli.py:limit_options", "?")
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")


def ctk() -> list[str]:
    script = Path(PY).parent / "ctk"
    return [str(script)] if script.exists() else [PY, "-m", "toolkit.cli"]


def py_spy() -> str | None:
    beside = Path(PY).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def short(file: str) -> str:
    for marker in ("site-packages/", "/toolkit/", "lib/python3"):
        if marker in file:
            tail = file.split(marker, 1)[1]
            return ("toolkit/" + tail) if marker == "/toolkit/" else tail
    return file


def sample(cmd: list[str], runs: int, rate: int) -> tuple[collections.Counter[str], collections.Counter[str], int]:
    """Inclusive and self sample counts per `file:function`, pooled over `runs` runs.

    `IMPORTING` counts the samples taken while any import was running.
    """
    spy = py_spy()
    inclusive: collections.Counter[str] = collections.Counter()
    self_: collections.Counter[str] = collections.Counter()
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            raw = Path(tmp) / f"{i}.txt"
            if spy:
                subprocess.run(
                    [spy, "record", "-r", str(rate), "-f", "raw", "-o", str(raw), "--", *cmd],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                lines = raw.read_text(encoding="utf-8").splitlines() if raw.exists() else []
                for line in lines:
                    stack, _, count = line.rpartition(" ")
                    frames = [_FRAME.match(f) for f in stack.split(";")]
                    names = [f"{short(m['file'])}:{m['func']}" if m else "?" for m in frames]
                    n = int(count)
                    total += n
                    for name in set(names):
                        inclusive[name] += n
                    self_[names[-1]] += n
                    if any(name.startswith("<frozen importlib") for name in names):
                        inclusive[IMPORTING] += n
            else:
                prof = Path(tmp) / f"{i}.prof"
                args = cmd[len(ctk()) :]
                subprocess.run(
                    [PY, "-m", "cProfile", "-o", str(prof), "-m", "toolkit.cli", *args], stdout=subprocess.DEVNULL, check=False
                )
                stats = pstats.Stats(str(prof)).stats  # type: ignore[attr-defined]
                run_total = 0
                for (file, _line, func), (_cc, _nc, tt, ct, _callers) in stats.items():
                    name = f"{short(file)}:{func}"
                    inclusive[name] += int(ct * 1_000_000)
                    self_[name] += int(tt * 1_000_000)
                    run_total = max(run_total, int(ct * 1_000_000))
                total += run_total
    return inclusive, self_, total


def report(title: str, inclusive: collections.Counter[str], self_: collections.Counter[str], total: int, top: int) -> str:
    share = inclusive.get(IMPORTING, 0) / max(total, 1)
    lines = [f"### {title}", "", f"{total} samples; {share:.1%} of them inside an import.", ""]
    lines += ["By inclusive share (on the stack; entry point, click and import machinery left out):", ""]
    shown = [(name, n) for name, n in inclusive.most_common() if name != IMPORTING and not name.startswith(PLUMBING)]
    lines += [f"- {n / total:5.1%}  `{name}`" for name, n in shown[:top]]
    lines += ["", "By self share (the function's own code):", ""]
    lines += [f"- {n / total:5.1%}  `{name}`" for name, n in self_.most_common(top)]
    return "\n".join(lines)


def import_times(cmd: list[str], top: int) -> str:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m[2]), int(m[1]), len(m[3]) // 2, m[4]))
    total = sum(s for _, s, _, _ in rows)
    lines = [
        f"### Import time of `{' '.join(Path(c).name for c in cmd[:2])} ...`",
        "",
        f"all imports: {total / 1000:.0f} ms (self times summed).",
        "",
    ]
    lines += ["By cumulative time (module and what it imports):", ""]
    lines += [f"- {c / 1000:6.1f} ms  `{name}` (depth {d})" for c, _, d, name in sorted(rows, reverse=True)[:top]]
    lines += ["", "By self time:", ""]
    lines += [f"- {s / 1000:6.1f} ms  `{name}`" for _, s, _, name in sorted(rows, key=lambda r: -r[1])[:top]]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="the benchmark's folder (default bench/out)")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--soa-runs", type=int, default=20, help="runs of the SoA case pooled (default 20)")
    ap.add_argument("--rate", type=int, default=500, help="py-spy samples per second (default 500)")
    ap.add_argument("--json", type=Path, help="also write the counts as JSON here")
    ap.add_argument("--validate-option", action="append", default=[], metavar="OPT", help="as for bench/run.py (repeatable)")
    args = ap.parse_args()
    sys.path.insert(0, str(BENCH))
    from records import AS_OF

    out = args.out.resolve()
    soa = out / "pack" / "soa.xlsx"
    registers = sorted(out.glob("register_*.xlsx"), key=lambda p: int(p.stem.split("_")[1]))
    if not soa.exists() or not registers:
        print(f"bench: run bench/run.py first (no {soa} or register_*.xlsx in {out})", file=sys.stderr)
        return 2
    base = [*ctk(), "validate", "--as-of", AS_OF.isoformat(), *args.validate_option]
    print(f"profiler: {'py-spy' if py_spy() else 'cProfile (install py-spy for unskewed shares)'}\n")
    dumped = {}
    for title, cmd, runs in (
        (f"`ctk validate` {soa.name}, {args.soa_runs} runs pooled", [*base, str(soa)], args.soa_runs),
        (f"`ctk validate` {registers[-1].name}", [*base, str(registers[-1])], 1),
    ):
        pre = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if pre.returncode not in (0, 1):
            said = (pre.stdout + pre.stderr).strip().splitlines()[:1]
            print(f"### {title}\n\nskipped: ctk exited {pre.returncode} ({said[0] if said else 'no output'})\n")
            continue
        inc, self_, total = sample(cmd, runs, args.rate)
        print(report(title, inc, self_, total, args.top), end="\n\n", flush=True)
        dumped[title] = {"total": total, "inclusive": dict(inc.most_common(100)), "self": dict(self_.most_common(100))}
    print(import_times([*base, str(soa)], args.top))
    if args.json:
        args.json.write_text(json.dumps(dumped, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
