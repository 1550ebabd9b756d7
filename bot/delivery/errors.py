"""What a sender raises when the platform did not take a message, so that the outbox can try again."""

from __future__ import annotations


class SendError(Exception):
    """A send that failed. `retry_after` (seconds) when the platform said when, which holds back the
    whole rate bucket; `permanent` when retrying cannot help (unknown channel, bad token). A reply sent
    as several messages says in `parts_sent` how many went before the error."""

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
