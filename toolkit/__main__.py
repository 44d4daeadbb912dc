"""`python -m toolkit`: the `ctk` command."""

from toolkit.cli import main

main(prog_name="ctk")
