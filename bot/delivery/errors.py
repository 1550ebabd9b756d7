"""What adapters raise when a platform did not take a message, so that the caller can try again."""

from __future__ import annotations


class SendError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said when; `permanent` when retrying
    cannot help (unknown channel, bad token)."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
