"""Errors a person caused and can fix; the router turns them into a message in their language."""

from __future__ import annotations


class UserError(Exception):
    """`code` names a catalogue string `error.<code>`; `params` fill it."""

    def __init__(self, code: str, **params):
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


def is_user_error(exc: BaseException) -> bool:
    """UserError, and the parsers' errors, which carry the same `code` and `params`."""
    from bot.core.parsing import ParseError
    from bot.core.periods import PeriodError

    return isinstance(exc, (UserError, ParseError, PeriodError))
