"""Findings: what `ctk validate` reports. Small, frozen, sorted the same way every time."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: The sheet `ctk validate --annotate` adds to a client's workbook.
REVIEW_SHEET = "Review Findings"
ERROR = "error"
WARNING = "warning"
#: Errors before warnings wherever findings are listed by severity.
SEVERITY_ORDER = {ERROR: 0, WARNING: 1}


@dataclass(frozen=True)
class Finding:
    """One problem, pinned to a cell (`cell`/`row` are None when a record is missing entirely)."""

    code: str
    severity: str
    sheet: str | None
    cell: str | None
    row: int | None
    column: str | None
    key: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.sheet or "",
            self.row if self.row is not None else 10**9,
            self.column or "",
            self.code,
            self.key or "",
            self.message,
        )


@dataclass
class FileReport:
    """The findings for one file, or the one-line reason it could not be read."""

    path: str
    kind: str | None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.error is not None:
            out["error"] = self.error
        out["findings"] = [f.as_dict() for f in self.findings]
        return out


@dataclass
class Report:
    files: list[FileReport] = field(default_factory=list)
    #: Files in the folders given that were not checked, and why (`notes.txt`: not a workbook).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: Folders given that hold nothing to check (a typo'd folder must not pass as clean).
    empty: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def warnings(self) -> int:
        return sum(f.warnings for f in self.files)

    @property
    def unreadable(self) -> int:
        return sum(1 for f in self.files if f.error is not None)

    @property
    def exit_code(self) -> int:
        """0 clean (warnings allowed), 1 errors found, 2 a file could not be read (or a folder held none)."""
        if self.unreadable or self.empty:
            return 2
        return 1 if self.errors else 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "files": [f.as_dict() for f in self.files],
            "summary": {"files": len(self.files), "errors": self.errors, "warnings": self.warnings},
        }
        if self.skipped:
            out["skipped"] = [{"path": path, "reason": reason} for path, reason in self.skipped]
        if self.empty:
            out["empty_folders"] = list(self.empty)
        return out


def sort_findings(findings: list[Finding]) -> list[Finding]:
    unique = list(dict.fromkeys(findings))
    return sorted(unique, key=Finding.sort_key)
