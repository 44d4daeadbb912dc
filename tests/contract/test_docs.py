"""Every command has help text and appears in the README."""

from __future__ import annotations

import click

from tests.paths import ROOT
from toolkit.cli import main


def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        out.append((full, cmd))
        if isinstance(cmd, click.Group):
            out.extend(commands(cmd, full + " "))
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cmd in commands(main):
        assert (cmd.help or "").strip(), f"ctk {name} has no help text"
        assert f"ctk {name}" in readme, f"ctk {name} is not in the README"


def test_readme_has_exactly_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = setup.split("```")[1::2]
    lines = [ln for block in blocks for ln in block.strip().splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines == ["make demo", "make test"]
