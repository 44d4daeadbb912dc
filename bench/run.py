"""The benchmark: ctk beside the bare readers and writer, as whole processes.

    python bench/run.py            # the full run (about 5 minutes on 2 cores), writes BENCHMARKS.md
    python bench/run.py --quick    # a smoke run: 5,000 risks, 20 workbooks, 2 runs; writes nothing

It builds its inputs in `bench/out/` (the sample pack, a 50,000-risk register written by ctk's own
writer, 200 small SoAs), then times each case several times as a separate process, beside the
matching bare baselines run in the same invocation (`bench/workers.py`: python-calamine, openpyxl
read-only, xlsxwriter `constant_memory`). It reports medians, each process's own peak RSS (from
`os.wait4`), the ratios to their targets, and writes them, with the machine, into a
section of BENCHMARKS.md (`--section`, default "Latest run"); other sections are kept.

ctk is run as the `ctk` script beside the interpreter running this file, else as
`python -m toolkit.cli`: run it with the interpreter of the environment to measure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
WORKERS = str(BENCH / "workers.py")
SPAWN = str(BENCH / "spawn.py")
PY = sys.executable
MIB = 1024.0  # ru_maxrss is in KiB on Linux


# --- processes ------------------------------------------------------------------------------


@dataclass
class Sample:
    seconds: float
    peak_kib: int
    cpu_seconds: float


@dataclass
class Measure:
    """Several runs of one command (or, for `parts`, of a series of commands summed per run)."""

    label: str
    command: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return max(s.peak_kib for s in self.samples) / MIB

    @property
    def cpu_median(self) -> float:
        return statistics.median(s.cpu_seconds for s in self.samples)


class BenchError(RuntimeError):
    """A process that did not run as it should; `reason` is its last line of output."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


def spawn(cmds: Sequence[Sequence[str]], ok: Sequence[int] = (0,)) -> list[Sample]:
    """Run `cmds` in turn through the small launcher `spawn.py` (see there why), one sample each."""
    proc = subprocess.run([PY, "-I", "-S", SPAWN, json.dumps([list(c) for c in cmds])], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(f"launcher failed: {proc.stderr.strip()[-500:]}")
    samples = []
    for cmd, r in zip(cmds, json.loads(proc.stdout), strict=True):
        if r["exit"] not in ok:
            # Its output went to /dev/null: run it once more to say why.
            again = subprocess.run(list(cmd), capture_output=True, text=True, cwd=BENCH)
            lines = [ln.strip() for ln in (again.stdout + "\n" + again.stderr).splitlines() if ln.strip()]
            said = next((ln.split(": error: ", 1)[1] for ln in lines if ": error: " in ln), lines[-1] if lines else "no output")
            reason = f"exit {r['exit']}: {said}"
            raise BenchError(f"{' '.join(cmd[:4])}... {reason}", reason)
        samples.append(Sample(r["seconds"], r["peak_kib"], r["cpu_seconds"]))
    return samples


def run_once(cmd: Sequence[str], ok: Sequence[int] = (0,)) -> Sample:
    """One child process: its wall time, and its own peak RSS and CPU time (from wait4)."""
    return spawn([cmd], ok)[0]


def run_series(cmds: Sequence[Sequence[str]]) -> Sample:
    """Many processes one after another: their times summed, the largest peak."""
    samples = spawn(cmds)
    return Sample(sum(s.seconds for s in samples), max(s.peak_kib for s in samples), sum(s.cpu_seconds for s in samples))


def probe(cmd: Sequence[str]) -> str | None:
    """Run a ctk command once (warming caches): None if it ran (exit 0 or 1), else why it did not."""
    try:
        run_once(cmd, ok=(0, 1))
    except BenchError as exc:
        return f"ctk did not run ({exc.reason[:150]})"
    return None


def interleaved(runs: int, jobs: Sequence[tuple[Measure, Callable[[], Sample]]], say: Callable[[str], None]) -> None:
    """Each run does every job once, in turn, so drift on the machine hits all of them alike."""
    for i in range(runs):
        for measure, job in jobs:
            sample = job()
            measure.samples.append(sample)
            say(f"    run {i + 1}/{runs} {measure.label}: {sample.seconds:.3f} s, {sample.peak_kib / MIB:.0f} MiB")


def ctk_command() -> list[str]:
    script = Path(PY).parent / ("ctk.exe" if os.name == "nt" else "ctk")
    return [str(script)] if script.exists() else [PY, "-m", "toolkit.cli"]


def worker(mode: str, *args: str | Path) -> list[str]:
    return [PY, WORKERS, mode, *map(str, args)]


def compile_sources(say: Callable[[str], None]) -> None:
    """Byte-compile the toolkit and bench modules first, as an installed package is.

    Without it, a source checkout run with PYTHONDONTWRITEBYTECODE set (or from a read-only
    folder) would compile every module on every run and charge that to ctk's start-up.
    """
    import compileall

    import toolkit

    for folder, depth in ((Path(toolkit.__file__).resolve().parent, 10), (BENCH, 0)):
        if not compileall.compile_dir(folder, maxlevels=depth, quiet=1):
            say(f"  warning: could not byte-compile {folder}; its modules are compiled on every run")


# --- inputs ---------------------------------------------------------------------------------


def build_inputs(out: Path, workbooks: int, say: Callable[[str], None]) -> tuple[Path, list[Path]]:
    """The sample pack (its SoA is the small case) and `workbooks` SoAs with a few cells changed."""
    from toolkit.engagement import demo
    from toolkit.kinds import write_workbook
    from toolkit.kinds.soa.build import DOC, SHEET, build_soa, document_control
    from toolkit.workbook.reader import read_workbook
    from toolkit.workbook.writer import Book, Table

    pack = out / "pack"
    shutil.rmtree(pack, ignore_errors=True)  # demo merges what the folder holds: start clean
    say(f"  sample pack -> {pack}")
    demo(pack)
    gap = read_workbook(pack / "gap_assessment.xlsx", kind="gap")
    risks = read_workbook(pack / "risk_register.xlsx", kind="risk")
    base = build_soa(gap, risks, {"Organisation": "Northwind Analytics"})
    many = out / "soas"
    shutil.rmtree(many, ignore_errors=True)
    many.mkdir(parents=True)
    say(f"  {workbooks} SoAs -> {many}")
    paths = []
    for i in range(workbooks):
        records = [dict(r) for r in base.tables[SHEET].records]
        records[i % len(records)]["Control Owner"] = f"Control owner {i:03d}"
        records[(7 * i + 3) % len(records)]["Policy / Procedure"] = (
            f"POL-{i:03d} Information Security Policy, section {i % 12 + 1}"
        )
        records[(11 * i + 5) % len(records)]["Implementation Status"] = "Partially implemented"
        org = f"Client {i:03d} Ltd"
        book = Book(tables={SHEET: Table(records)}, forms={DOC: document_control(org, version=f"1.{i}")})
        path = many / f"soa_{i:03d}.xlsx"
        write_workbook("soa", book, path, org)
        paths.append(path)
    return pack / "soa.xlsx", paths


# --- cases ----------------------------------------------------------------------------------


@dataclass
class Row:
    case: str
    baseline: str
    ctk: Measure | None
    base: Measure | None
    target: str
    limit: float | None = None  # ratio (or seconds, when absolute) that meets the target
    absolute: bool = False
    memory: bool = False  # the peak memory ratio is part of the target too
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.ctk is None or self.base is None or not self.ctk.samples:
            return None
        return self.ctk.median / self.base.median

    @property
    def peak_ratio(self) -> float | None:
        if self.ctk is None or self.base is None or not self.ctk.samples:
            return None
        return self.ctk.peak_mib / self.base.peak_mib

    @property
    def met(self) -> bool | None:
        if self.limit is None or self.ctk is None or not self.ctk.samples:
            return None
        if self.absolute:
            return self.ctk.median < self.limit
        assert self.ratio is not None and self.peak_ratio is not None
        return self.ratio <= self.limit and (not self.memory or self.peak_ratio <= self.limit)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 5,000 risks, 20 workbooks, 2 runs; BENCHMARKS.md untouched")
    ap.add_argument("--runs", type=int, help="runs of the small cases (default 5; quick 2)")
    ap.add_argument("--big-runs", type=int, help="runs of the big-register and many-workbook cases (default 3; quick 2)")
    ap.add_argument("--risks", type=int, help="risks in the big register (default 50,000; quick 5,000)")
    ap.add_argument("--workbooks", type=int, help="small workbooks validated in one call (default 200; quick 20)")
    ap.add_argument("--out", type=Path, default=BENCH / "out", help="where inputs and results.json go (default bench/out)")
    ap.add_argument("--section", help='the BENCHMARKS.md section to (re)write (default "Latest run"; none with --quick)')
    ap.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    ap.add_argument(
        "--only",
        choices=["all", "roundtrip"],
        default="all",
        help="roundtrip: only the round-trip cases (plain generation, --merge, --annotate of a big register)",
    )
    ap.add_argument("--roundtrip-risks", type=int, help="risks in the round-trip register (default 20,000; quick 2,000)")
    ap.add_argument(
        "--validate-option",
        action="append",
        default=[],
        metavar="OPT",
        help="an extra option for every `ctk validate` run, e.g. --validate-option=--max-cells=5000000 (repeatable)",
    )
    args = ap.parse_args(argv)

    quick = args.quick
    runs = args.runs or (2 if quick else 5)
    big_runs = args.big_runs or (2 if quick else 3)
    n_risks = args.risks or (5_000 if quick else 50_000)
    n_books = args.workbooks or (20 if quick else 200)
    section = args.section or (None if quick else ("Round trip" if args.only == "roundtrip" else "Latest run"))
    if args.no_write:
        section = None
    n_round = args.roundtrip_risks or (2_000 if quick else 20_000)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(BENCH))
    from records import AS_OF

    def say(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.perf_counter()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    ctk = ctk_command()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    validate_opts = ["--as-of", AS_OF.isoformat(), *args.validate_option]
    say(f"ctk: {' '.join(ctk)}  (python {PY})")
    compile_sources(say)
    if args.only == "roundtrip":
        rows = roundtrip(out, n_round, big_runs, ctk, AS_OF.isoformat(), say)
        elapsed = time.perf_counter() - started
        machine = describe_machine(cores)
        if load_start is not None:
            machine["load"] = f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (1-minute load average)"
        table = render_roundtrip(rows, n_round, big_runs)
        print()
        print(table)
        if section:
            write_section(ROOT / "BENCHMARKS.md", section, render_machine(machine, describe_toolkit()) + "\n\n" + table)
            say(f"wrote section {section!r} of {ROOT / 'BENCHMARKS.md'}")
        return 0
    say("building inputs")
    soa, books = build_inputs(out, n_books, say)
    register = out / f"register_{n_risks}.xlsx"
    plain = out / f"xlsxwriter_{n_risks}.xlsx"
    help_text = subprocess.run([*ctk, "validate", "--help"], capture_output=True, text=True, check=True).stdout
    has_jobs = "--jobs" in help_text

    def m(label: str, command: str) -> Measure:
        return Measure(label, command)

    rows: list[Row] = []
    info: list[tuple[str, Measure, Measure | None]] = []  # openpyxl and other context baselines

    # 1. generating the big register: ctk's writer vs a bare xlsxwriter constant_memory write
    say(f"case: generate a {n_risks:,}-risk register ({big_runs} runs)")
    gen = m("ctk generate", f"build_register + write_register of {n_risks:,} risks")
    xw = m("xlsxwriter", f"xlsxwriter constant_memory, write_row of {n_risks:,} rows, a cell per declared column")
    interleaved(
        big_runs,
        [
            (gen, lambda: run_once(worker("ctk-generate", n_risks, register))),
            (xw, lambda: run_once(worker("xlsxwriter", n_risks, plain))),
        ],
        say,
    )
    rows.append(Row(f"generate {n_risks:,}-risk register", "bare xlsxwriter constant_memory write", gen, xw, "<= 1.3x", 1.3))

    # 2. ctk --help
    say(f"case: ctk --help ({runs} runs)")
    run_once([*ctk, "--help"])  # warm the byte-code cache
    hlp, bare = m("ctk --help", "ctk --help"), m("python -c pass", "python -c pass (interpreter start-up)")
    interleaved(runs, [(hlp, lambda: run_once([*ctk, "--help"])), (bare, lambda: run_once([PY, "-c", "pass"]))], say)
    rows.append(Row("`ctk --help`", "`python -c pass` (start-up)", hlp, bare, "< 0.15 s", 0.15, absolute=True))

    def read_case(label: str, paths: list[Path], n: int) -> None:
        say(f"case: {label} ({n} runs)")
        files = list(map(str, paths))
        cmd = [*ctk, "validate", *validate_opts, *files]
        failed = probe(cmd)
        if failed:
            say(f"  {failed}")
        c, cal, opx = m("ctk validate", "ctk validate"), m("calamine", "python-calamine"), m("openpyxl", "openpyxl read-only")
        jobs: list[tuple[Measure, Callable[[], Sample]]] = [
            (cal, lambda: run_once(worker("calamine", *files))),
            (opx, lambda: run_once(worker("openpyxl", *files))),
        ]
        if not failed:
            jobs.insert(0, (c, lambda: run_once(cmd, ok=(0, 1))))
        interleaved(n, jobs, say)
        memory = "register" in label
        target, limit = ("<= 2x", 2.0) if not memory else ("<= 1.5x time and peak", 1.5)
        rows.append(
            Row(f"`ctk validate` {label}", "bare python-calamine read", c, cal, target, limit, memory=memory, note=failed or "")
        )
        info.append((label, opx, c))

    # 3. the sample SoA, 4. the big register
    read_case("sample SoA", [soa], runs)
    read_case(f"{n_risks:,}-risk register", [register], big_runs)

    # 5. many small workbooks in one call, vs the sum of as many bare processes
    say(f"case: {n_books} SoAs in one call ({big_runs} runs)")
    files = list(map(str, books))
    cmd = [*ctk, "validate", *validate_opts, *files]
    failed = probe(cmd)
    if failed:
        say(f"  {failed}")
    one = m("ctk validate", f"ctk validate {n_books} files")
    summed = m("calamine x N", f"{n_books} python-calamine processes, times summed")
    single = m("calamine 1 process", f"1 python-calamine process reading all {n_books}")
    jobs = [
        (summed, lambda: run_series([worker("calamine", f) for f in files])),
        (single, lambda: run_once(worker("calamine", *files))),
    ]
    if not failed:
        jobs.insert(0, (one, lambda: run_once(cmd, ok=(0, 1))))
    par = m(f"ctk validate --jobs {cores}", f"ctk validate --jobs {cores} {n_books} files")
    jcmd = [*ctk, "validate", "--jobs", str(cores), *validate_opts, *files]
    par_failed = probe(jcmd) if has_jobs else "not implemented: `ctk validate --help` lists no `--jobs`"
    if not par_failed:
        jobs.append((par, lambda: run_once(jcmd, ok=(0, 1))))
    interleaved(big_runs, jobs, say)
    rows.append(
        Row(
            f"`ctk validate` {n_books} SoAs, one call",
            f"{n_books} bare calamine processes, summed",
            one,
            summed,
            "<= 1.3x",
            1.3,
            note=failed or "",
        )
    )
    rows.append(
        Row(
            f"`ctk validate --jobs {cores}` {n_books} SoAs",
            f"{n_books} bare calamine processes, summed",
            par,
            summed,
            "<= 1.3x",
            1.3,
            note=par_failed or "",
        )
    )
    rows.append(
        Row(f"`ctk validate` {n_books} SoAs, one call", f"1 calamine process reading all {n_books}", one, single, "(context)")
    )
    say(f"case: openpyxl read-only over the {n_books} SoAs, one process ({big_runs} runs)")
    opx = m("openpyxl", f"1 openpyxl read-only process reading all {n_books}")
    interleaved(big_runs, [(opx, lambda: run_once(worker("openpyxl", *files)))], say)
    info.append((f"{n_books} SoAs (one process)", opx, one))

    # 6. the hostile corpus: every refusal within the README's bound (5 s); the slowest one reported
    say("case: hostile corpus, each file refused once")
    sys.path.insert(0, str(ROOT))
    from tests.workbook import hostile

    written = hostile.generate(out / "hostile")
    slowest = m("ctk validate", "ctk validate, slowest refusal of the hostile corpus")
    slowest_name = ""
    for name, (case, path) in written.items():
        sample = run_once([*ctk, "validate", str(path), *case.args], ok=(2,))
        if not slowest.samples or sample.seconds > slowest.samples[0].seconds:
            slowest.samples, slowest_name = [sample], name
    say(f"    slowest: {slowest_name} {slowest.median:.2f} s, {slowest.peak_mib:.0f} MiB")
    rows.append(
        Row(
            f"`ctk validate` refuses each of {len(written)} hostile files",
            "the README's bound",
            slowest,
            None,
            f"< {hostile.SECONDS:g} s",
            hostile.SECONDS,
            absolute=True,
            note=f"slowest: {slowest_name}",
        )
    )

    elapsed = time.perf_counter() - started
    machine = describe_machine(cores)
    if load_start is not None:
        machine["load"] = f"{load_start:.2f} at the start, {os.getloadavg()[0]:.2f} at the end (1-minute load average)"
    measured = describe_toolkit()
    table = render_table(rows)
    context = render_context(info)
    setup = (
        f"{runs} runs of the small cases, {big_runs} of the big ones, interleaved; medians; peak = the largest `ru_maxrss` "
        f"of the process (for a series, of any process in it). ctk validate runs with `{' '.join(validate_opts)}` and "
        "its output to /dev/null. Bare python-calamine: `CalamineWorkbook.from_path`, then every row of every sheet "
        "through `iter_rows()`. Bare xlsxwriter: the same records, a cell for each column the register declares (formulas included) with `write_row`, "
        "`constant_memory`. Both sides build the records with `bench/records.py`."
    )
    print()
    print(table)
    print()
    print(context)
    print(f"\n{setup}\nTotal {elapsed:.0f} s.")
    results = {
        "machine": machine,
        "toolkit": measured,
        "settings": {"runs": runs, "big_runs": big_runs, "risks": n_risks, "workbooks": n_books, "quick": quick},
        "rows": [
            {
                "case": r.case,
                "baseline": r.baseline,
                "target": r.target,
                "ratio": r.ratio,
                "peak_ratio": r.peak_ratio,
                "met": r.met,
                "note": r.note,
                "ctk": asdict(r.ctk) if r.ctk else None,
                "base": asdict(r.base) if r.base else None,
            }
            for r in rows
        ],
        "context": [{"case": label, "openpyxl": asdict(o), "ctk": asdict(c) if c else None} for label, o, c in info],
        "seconds": elapsed,
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    if section:
        body = "\n\n".join(
            [
                render_machine(machine, measured),
                table,
                context,
                setup + f" The whole run took {elapsed:.0f} s.",
            ]
        )
        write_section(ROOT / "BENCHMARKS.md", section, body)
        say(f"wrote section {section!r} of {ROOT / 'BENCHMARKS.md'}")
    return 0


# --- the round trip -----------------------------------------------------------------------------


def roundtrip(out: Path, n: int, runs: int, ctk: list[str], as_of: str, say: Callable[[str], None]) -> list[Row]:
    """A register of `n` risks written by ctk (with its record of what it wrote) and its CSV export; then,
    interleaved: plain generation from the CSV, the same with `--merge` of the register (every risk paired
    and compared three ways), and `validate --annotate` of the register. Both are compared to plain generation."""
    folder = out / "roundtrip"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    register, source = folder / f"register_{n}.xlsx", folder / f"register_{n}.csv"
    say(f"  {n:,}-risk register -> {register}")
    run_once(worker("ctk-generate", n, register))
    run_once([*ctk, "export", str(register), "-o", str(source)])
    plain = Measure("ctk risk new --from", f"ctk risk new --from {source.name}")
    merge = Measure("--merge", f"ctk risk new --from {source.name} --merge {register.name}")
    note = Measure("--annotate", f"ctk validate {register.name} --annotate")
    # The progress line is off anyway (stderr is not a terminal); -q only where the measured ctk has it.
    q = ["-q"] if "--quiet" in subprocess.run([*ctk, "risk", "new", "--help"], capture_output=True, text=True).stdout else []
    cmds = {
        "plain": [*ctk, "risk", "new", *q, "--from", str(source), "-o", str(folder / "plain.xlsx")],
        "merge": [*ctk, "risk", "new", *q, "--from", str(source), "--merge", str(register), "-o", str(folder / "merged.xlsx")],
        "note": [*ctk, "validate", "-q", "--as-of", as_of, str(register), "--annotate", str(folder / "annotated.xlsx")],
    }
    say(f"case: round trip of the {n:,}-risk register ({runs} runs)")
    interleaved(
        runs,
        [
            (plain, lambda: run_once(cmds["plain"])),
            (merge, lambda: run_once(cmds["merge"])),
            (note, lambda: run_once(cmds["note"], ok=(0, 1))),
        ],
        say,
    )
    base = "plain generation (`risk new --from` the CSV)"
    return [
        Row(f"`ctk risk new --from ... --merge` {n:,}-risk register", base, merge, plain, "<= 1.3x", 1.3),
        Row(f"`ctk validate --annotate` {n:,}-risk register", base, note, plain, "<= 1.3x", 1.3),
    ]


def render_roundtrip(rows: list[Row], n: int, runs: int) -> str:
    head = "| case | baseline | ctk median s | baseline median s | ratio | CPU s (ctk / baseline) | CPU ratio | target | met? | ctk peak MiB |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        has = r.ctk is not None and bool(r.ctk.samples) and r.base is not None and bool(r.base.samples)
        cpu = r.ctk.cpu_median / r.base.cpu_median if has and r.ctk and r.base else None
        met = "-" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(
            "| "
            + " | ".join(
                [
                    r.case,
                    r.baseline,
                    fmt_s(r.ctk.median if has and r.ctk else None),
                    fmt_s(r.base.median if has and r.base else None),
                    fmt_x(r.ratio),
                    f"{fmt_s(r.ctk.cpu_median)} / {fmt_s(r.base.cpu_median)}" if has and r.ctk and r.base else "-",
                    fmt_x(cpu),
                    r.target,
                    met,
                    fmt_mib(r.ctk),
                ]
            )
            + " |"
        )
    lines += [
        "",
        f"{runs} runs of each, interleaved; medians; the register of {n:,} risks is written by ctk's own writer (so it "
        "carries the record of what ctk wrote) from `bench/records.py`, then exported to CSV with `ctk export`. "
        "Target: within 1.3x of plain generation (issue 13). `met?` judges the wall-clock ratio; the CPU ratio is "
        "given beside it because the machine is shared.",
    ]
    return "\n".join(lines)


# --- reporting ------------------------------------------------------------------------------


def fmt_s(x: float | None) -> str:
    return "-" if x is None else (f"{x:.3f}" if x < 10 else f"{x:.2f}")


def fmt_x(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}x"


def fmt_mib(m: Measure | None) -> str:
    return "-" if m is None or not m.samples else f"{m.peak_mib:.0f}"


def render_table(rows: list[Row]) -> str:
    head = "| case | baseline | ctk median s | baseline median s | ratio | target | met? | ctk peak MiB | baseline peak MiB | peak ratio |"
    lines = [head, "|" + "---|" * 10]
    for r in rows:
        has = r.ctk is not None and bool(r.ctk.samples)
        met = "-" if r.met is None else ("yes" if r.met else "**no**")
        if not has and r.note:
            met = r.note
        lines.append(
            "| "
            + " | ".join(
                [
                    r.case,
                    r.baseline,
                    fmt_s(r.ctk.median if has and r.ctk else None),
                    fmt_s(r.base.median if r.base and r.base.samples else None),
                    fmt_x(r.ratio) if not r.absolute else "-",
                    r.target,
                    met,
                    fmt_mib(r.ctk),
                    fmt_mib(r.base),
                    fmt_x(r.peak_ratio) if not r.absolute else "-",
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def render_context(info: list[tuple[str, Measure, Measure | None]]) -> str:
    lines = [
        "The other bare baseline, openpyxl read-only (`load_workbook(read_only=True, data_only=True)`, every row):",
        "",
        "| files | openpyxl median s | openpyxl peak MiB | ctk validate / openpyxl |",
        "|---|---|---|---|",
    ]
    for label, o, c in info:
        ratio = c.median / o.median if c and c.samples else None
        lines.append(f"| {label} | {fmt_s(o.median)} | {fmt_mib(o)} | {fmt_x(ratio)} |")
    return "\n".join(lines)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def describe_machine(cores: int) -> dict[str, Any]:
    cpu = next((ln.split(":", 1)[1].strip() for ln in _read("/proc/cpuinfo").splitlines() if ln.startswith("model name")), None)
    mem_kib = next((int(ln.split()[1]) for ln in _read("/proc/meminfo").splitlines() if ln.startswith("MemTotal:")), None)
    versions = {}
    for dist in ("python-calamine", "openpyxl", "xlsxwriter", "ctk-iso27001"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    return {
        "cpu": cpu or platform.processor() or platform.machine(),
        "cores": cores,
        "ram_gib": round(mem_kib / 1024 / 1024, 1) if mem_kib else None,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
        "date": dt.datetime.now().astimezone().isoformat(timespec="minutes"),
    }


def describe_toolkit() -> dict[str, Any]:
    """Which toolkit source was measured: its folder and, in a git checkout, the commit."""
    import toolkit

    folder = Path(toolkit.__file__).resolve().parent
    info: dict[str, Any] = {"path": str(folder), "version": getattr(toolkit, "__version__", "?")}
    try:
        rev = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "-C", str(folder.parent), "status", "--porcelain", "--", "toolkit", "workbook_templates"],
            capture_output=True,
            text=True,
            check=True,
        )
        info["commit"] = rev.stdout.strip()
        info["dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        info["commit"] = None
    return info


def render_machine(machine: dict[str, Any], measured: dict[str, Any]) -> str:
    v = machine["versions"]
    commit = measured.get("commit")
    source = (
        f"commit `{commit}`{' with uncommitted changes' if measured.get('dirty') else ''}" if commit else "not a git checkout"
    )
    return "\n".join(
        [
            f"- date: {machine['date']}",
            f"- machine: {machine['cpu']}, {machine['cores']} cores, {machine['ram_gib']} GiB RAM, {machine['os']}",
            f"- {machine['python']}; python-calamine {v['python-calamine']}, openpyxl {v['openpyxl']}, "
            f"xlsxwriter {v['xlsxwriter']}; ctk {v['ctk-iso27001']}",
            f"- toolkit measured: `{measured['path']}`, {source}",
            *(
                [f"- load: {machine['load']}; other processes on the machine slow both sides alike, not always equally"]
                if machine.get("load")
                else []
            ),
        ]
    )


INTRO = """# Benchmarks

ctk against the bare libraries it stands on, as whole processes. Ratios are ctk's median
over the matching bare baseline's median, measured in the same invocation.

How to run: `make bench`, or `python bench/run.py` with the interpreter of the environment to measure
(`--quick` for a one-minute smoke run; `--section After` to record a run under its own heading;
`--validate-option=--max-cells=5000000` to pass an option to every `ctk validate`). `python bench/hotspots.py`
then profiles the validate cases (py-spy and `-X importtime`). See `bench/run.py`.
"""


def write_section(path: Path, name: str, body: str) -> None:
    """Replace (or append) the section `name` between its markers; everything else is kept."""
    key = name.lower().replace(" ", "-")
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    block = f"{start}\n{body}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else INTRO
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + f"\n\n## {name}\n\n{block}\n"
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        sys.exit(2)
