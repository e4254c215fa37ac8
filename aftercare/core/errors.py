"""Exceptions that reach the user as one Chinese line (exit 1)."""

from __future__ import annotations


class AftercareError(Exception):
    """A refused action or bad input: the message is shown to the user as is."""

    def __init__(self, message: str, hint: str = "", code: str = "refused"):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.code = code


class DataError(AftercareError):
    """The store holds data that does not load; carries every problem found."""

    def __init__(self, problems):
        self.problems = list(problems)
        first = self.problems[0]
        more = f"（另有 {len(self.problems) - 1} 处问题，运行 aftercare check 查看全部）" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}", hint=first.hint, code=first.code)
