"""Logging for every pacebot process: one redaction filter on every handler of the root logger.

Why: at INFO slack_bolt / slack_sdk log whole request bodies (one 10 MB line per big payload), and at
DEBUG the WeCom corpsecret, access tokens, group-robot keys and dashboard links end up in the log, which
is read by more people than the settings are. The filter masks the secret values from the loaded settings
and the shapes secrets have (`access_token=`, `corpsecret=`, `key=` in URLs, `sign=`, Slack tokens, Bearer
tokens, board and sign-in links), and cuts each message to `CAP` characters with a note of how much went.

`configure_logging` is the one place logging is set up: the serving process (`bot.cli.main`) and each
answer worker process (`bot.runtime.workers`) call it.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from urllib.parse import quote, urlsplit

CAP = 2000  # characters of one message
TRACE_CAP = 8000  # characters of a traceback (its end is kept: the exception itself is last)
MASK = "***"
MIN_SECRET = 6  # shorter settings values (a port, "1") would mask half the log and hide nothing
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_SECRET_FIELD = re.compile(r"secret|token|password|passwd|aes_key|api_key|private", re.I)

# (pattern, replacement); group 1 is what stays visible.
PATTERNS = [
    # Query parameters that carry a credential: WeCom/DingTalk access tokens, corpsecret, robot keys, signs.
    (re.compile(r"([?&;](?:access_token|corpsecret|appsecret|app_secret|secret|key|sign|signature|token)=)"
                r"[^&\s\"'<>#]+", re.I), r"\1" + MASK),
    # The same names as JSON or key=value text (a token endpoint's answer, a dict in a debug line).
    (re.compile(r"((?:\"|'|\b)(?:access_token|corpsecret|appsecret|app_secret|accessToken|session_token|sign)"
                r"(?:\"|')?\s*[:=]\s*(?:\"|')?)[^\"'&\s,;}]+", re.I), r"\1" + MASK),
    # Slack tokens: bot, user, app-level, refresh, configuration.
    (re.compile(r"\b(xox[abprse]-)[A-Za-z0-9-]+"), r"\1" + MASK),
    (re.compile(r"\b(xapp-)[A-Za-z0-9-]+"), r"\1" + MASK),
    (re.compile(r"(\bBearer\s+)[A-Za-z0-9\-._~+/]+=*", re.I), r"\1" + MASK),
    # Dashboard links: a TV board link's token is the path (not /board/team/<id>, a signed-in page).
    (re.compile(r"(/board/)(?!team/)[A-Za-z0-9_\-]{8,}"), r"\1" + MASK),
    # One-time sign-in links: /team/login?t=<signed token>.
    (re.compile(r"(/login\?(?:[^\s\"'<>]*?&)?t=)[^&\s\"'<>#]+"), r"\1" + MASK),
]


def secret_values(*settings) -> list[str]:
    """Secret values of settings objects (pydantic models; None skipped): SecretStr fields, fields named
    like a secret (token, secret, password, aes_key) and passwords in URLs (a database URL)."""
    found: set[str] = set()
    for obj in settings:
        if obj is None:
            continue
        for name in type(obj).model_fields:
            value = getattr(obj, name, None)
            if hasattr(value, "get_secret_value"):
                value = value.get_secret_value()
            elif not (isinstance(value, str) and _SECRET_FIELD.search(name)):
                if isinstance(value, str) and "://" in value:
                    value = _url_password(value)
                else:
                    continue
            if isinstance(value, str) and len(value) >= MIN_SECRET:
                found.add(value)
    return sorted(found)


def _url_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class RedactFilter(logging.Filter):
    """Masks secrets in a record and caps its length. Installed on handlers, so it sees records from every
    logger (a logger's own filters would not see its children's records). Never drops a record."""

    def __init__(self, secrets: Iterable[str] = (), *, cap: int = CAP, trace_cap: int = TRACE_CAP):
        super().__init__()
        self.cap, self.trace_cap = cap, trace_cap
        values = {s for s in secrets if s and len(s) >= MIN_SECRET}
        values |= {quote(s, safe="") for s in values}  # as they appear inside a URL
        self.secrets = sorted(values, key=len, reverse=True)  # longest first: no half-masked overlap
        self._formatter = logging.Formatter()

    def redact(self, text: str) -> str:
        for value in self.secrets:
            if value in text:
                text = text.replace(value, MASK)
        for pattern, replacement in PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()  # args first, so that a secret passed as an argument is caught too
        except Exception:  # a bad format string: log what there is, as logging itself would have failed
            text = f"{record.msg!r} % {record.args!r}"
        # Every handler's filter masks its own secrets again (one may know more than another); the cut is
        # made once, before the regexes (a 10 MB body), with a margin so a secret across the cut is still seen.
        capped = getattr(record, "_pacebot_capped", False)
        if capped:
            record.msg = self.redact(text)
        else:
            record.msg = _cap(self.redact(text[: self.cap + 500]), self.cap, len(text))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
            if not capped:
                record.exc_text = _cap_tail(record.exc_text, self.trace_cap)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
            if not capped:
                record.stack_info = _cap_tail(record.stack_info, self.trace_cap)
        record._pacebot_capped = True
        return True


def _cap(text: str, cap: int, original: int) -> str:
    if original <= cap and len(text) <= cap:
        return text
    return f"{text[:cap]} …[{original - cap} more characters cut]"


def _cap_tail(text: str, cap: int) -> str:
    if len(text) <= cap:
        return text
    return f"…[{len(text) - cap} characters cut]\n{text[-cap:]}"


def install(secrets: Iterable[str] = (), logger: logging.Logger | None = None) -> RedactFilter:
    """Put one RedactFilter on every handler of `logger` (the root logger), replacing an earlier one."""
    logger = logger or logging.getLogger()
    redactor = RedactFilter(secrets)
    for handler in logger.handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactFilter)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor


def installed_secrets(logger: logging.Logger | None = None) -> list[str]:
    """The secret values the installed filter masks (handed to worker processes, which load no settings
    of their own before they log)."""
    for handler in (logger or logging.getLogger()).handlers:
        for f in handler.filters:
            if isinstance(f, RedactFilter):
                return list(f.secrets)
    return []


def configure_logging(level: str, secrets: Iterable[str] = (), *, stream=None) -> RedactFilter:
    """basicConfig at `level` on stderr, then the redaction filter on every root handler."""
    logging.basicConfig(level=level.upper(), stream=stream or sys.stderr, format=FORMAT)
    return install(secrets)
