"""A consultancy's clients folder for `ctk portfolio`: engagements in mixed states, made quickly.

Three engagements are built once (fresh: `ctk init` only; half-filled: half the SOC 2 matrix and a
dozen risks, two above the threshold nobody accepted, one without an owner, the risk register
returned by the client on 15 February 2027; ready: the sample company's full pack) and copied
under other client names, plus folders that cannot be surveyed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path

from toolkit.engagement import build, demo, init

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
STATES = ("fresh", "half", "ready")
RETURNED = dt.date(2027, 2, 15)


def _half(folder: Path) -> None:
    shutil.copy(SAMPLE / "ctk.toml", folder / "ctk.toml")
    with (SAMPLE / "soc2_controls.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    with (folder / "soc2_controls.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[:46])  # the header and 45 of the 87 controls
    with (SAMPLE / "risk_register.csv").open(encoding="utf-8", newline="") as fh:
        risks = list(csv.DictReader(fh))[:12]
    for risk in risks:
        if risk["Risk ID"] in ("R-001", "R-012"):  # residual 10 and 12: above the threshold of 9
            risk["Accepted By"] = risk["Acceptance Date"] = ""
        if risk["Risk ID"] == "R-003":
            risk["Risk Owner"] = ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(risks[0]))
    writer.writeheader()
    writer.writerows(risks)
    (folder / "risk_register.csv").write_text(out.getvalue(), encoding="utf-8")
    build(folder)
    returned_on(folder / "risk_register.xlsx", RETURNED)


def returned_on(path: Path, day: dt.date) -> None:
    """As if the client saved the workbook on `day`: its `modified` date moves, nothing else."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + f"{day.isoformat()}T10:00:00Z".encode(), data)
            zout.writestr(info, data)
    tmp.replace(path)


def make_clients(root: Path, count: int = 30) -> dict[str, str]:
    """`count` client folders under `root` (client name -> state), and two that cannot be surveyed."""
    templates = root / ".templates"
    for state in STATES:
        (templates / state).mkdir(parents=True, exist_ok=True)
    init(templates / "fresh", "Fresh Client", dt.date(2027, 1, 4), "EUR")
    _half(templates / "half")
    demo(templates / "ready")
    made = {}
    for i in range(count):
        state = STATES[i % len(STATES)]
        name = f"Client {i + 1:02d} ({state})"
        target = root / f"client-{i + 1:02d}"
        shutil.copytree(templates / state, target)
        settings = target / "ctk.toml"
        text = settings.read_text(encoding="utf-8")
        settings.write_text(re.sub(r'(?m)^organisation = ".*"$', f'organisation = "{name}"', text), encoding="utf-8")
        made[name] = state
    (root / "zz-broken").mkdir()
    (root / "zz-broken" / "ctk.toml").write_text("organisation = [unclosed\n", encoding="utf-8")
    (root / "zz-notes").mkdir()
    (root / "zz-notes" / "minutes.txt").write_text("not an engagement", encoding="utf-8")
    return made
