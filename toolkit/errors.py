"""The two kinds of failure, told apart so that scripts can trust the exit status.

`CtkError`: something the user can fix (an unreadable file, a wrong input, an output that cannot
be written): one line naming the file and the cause, exit status 2. `InternalError`: a bug inside
ctk, named by where it happened (a rule code, a command): exit status 2 too, never 1, which means
"errors found".
"""

from __future__ import annotations


class CtkError(Exception):
    """A failure the user can fix: the message is one line; `path` names the file, if any."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message, path)
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0])

    def one_line(self) -> str:
        text = " ".join(str(self).split())
        return f"{self.path}: {text}" if self.path else text


class InternalError(Exception):
    """A bug inside ctk: `where` is the rule code or step it happened in."""

    def __init__(self, where: str, cause: str) -> None:
        super().__init__(where, cause)
        self.where = where
        self.cause = cause

    def __str__(self) -> str:
        return f"internal error in {self.where}: {self.cause}; please report it"

    @classmethod
    def wrap(cls, where: str, exc: BaseException) -> InternalError:
        text = " ".join(str(exc).split())[:200]
        return cls(where, f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
