"""The redaction filter on log records: secrets from settings and secret shapes are masked, records with
args, exceptions and long messages included; each message is capped with a note of what was cut."""

from __future__ import annotations

import io
import logging

import pytest
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

from bot.runtime.logs import CAP, RedactFilter, install, installed_secrets, secret_values

CORPSECRET = "Wq7PpXl2S3cr3tValueForWeCom0000000000000"
TOKEN = "ACCESS-tok-1234567890abcdef"


class FakeSettings(BaseSettings):
    secret: SecretStr = Field(SecretStr(CORPSECRET))
    signing_secret: str = "s1gning-secret-slack"
    database_url: str = "postgresql://pace:db-pa55word@db:5432/pace"
    api_base: str = "https://qyapi.weixin.qq.com"
    port: int = 8080
    tz: str = "Asia/Shanghai"


def logged(filt: RedactFilter, msg, *args, exc=False) -> str:
    """What a handler with the filter writes for one record."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(filt)
    logger = logging.getLogger("tests.logs")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(handler)
    try:
        if exc:
            try:
                raise RuntimeError(f"failed at https://qyapi.weixin.qq.com/cgi-bin/x?access_token={TOKEN}")
            except RuntimeError:
                logger.exception(msg, *args)
        else:
            logger.debug(msg, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_secret_values_come_from_settings_fields():
    values = secret_values(FakeSettings(), None)
    assert set(values) == {CORPSECRET, "s1gning-secret-slack", "db-pa55word"}


def test_known_secret_values_are_masked_in_args_and_url_encoded():
    filt = RedactFilter(secret_values(FakeSettings()))
    out = logged(filt, "sending %s with %r", f"corp={CORPSECRET}",
                 {"signing": "s1gning-secret-slack", "db": "postgresql://pace:db-pa55word@db/pace"})
    assert CORPSECRET not in out and "s1gning-secret-slack" not in out and "db-pa55word" not in out
    assert "sending" in out
    assert logged(RedactFilter(["a/b+secret value"]), "url q=%s", "a%2Fb%2Bsecret%20value") == "url q=***\n"


@pytest.mark.parametrize("text, secret", [
    ("GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=Abc123SECRET456", "Abc123SECRET456"),
    ("POST https://qyapi.weixin.qq.com/cgi-bin/message/send?access_token=TOKvalue_99-xyz HTTP/1.1", "TOKvalue_99-xyz"),
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", "693a91f6"),
    ("https://oapi.dingtalk.com/robot/send?access_token=d1ng&timestamp=1&sign=SiGn%2Bvalue%3D", "SiGn"),
    ('response: {"errcode":0,"access_token":"JSONtoken123456","expires_in":7200}', "JSONtoken123456"),
    ("token xoxb-1234-5678-AbCdEfGhIjKl in header", "1234-5678-AbCdEfGhIjKl"),
    ("user token xoxp-99-88-77-ffeedd", "99-88-77-ffeedd"),
    ("socket mode xapp-1-A0PACE-123-abcdef0123", "A0PACE-123-abcdef0123"),
    ("headers {'Authorization': 'Bearer eyJhbGciOi.J9.sig_value'}", "eyJhbGciOi"),
    ("link https://pace.example.com/board/Zk3vQ9mXw1Lr7tYp0aBcDeFgHiJkLmNo for the TV", "Zk3vQ9mXw1Lr7tYp"),
    ("sign in: https://pace.example.com/team/login?t=eyJwIjoxfQ.Zk3v.Qw9m&lang=en", "eyJwIjoxfQ"),
])
def test_each_secret_shape_is_masked(text, secret):
    out = logged(RedactFilter(), "%s", text)
    assert secret not in out
    assert "***" in out


def test_what_is_no_secret_stays_readable():
    text = "team 3 board /board/team/3/events ok; key: value; design=clean; 42 calls"
    assert logged(RedactFilter(), text) == text + "\n"


def test_long_messages_are_capped_with_a_note_of_what_was_cut():
    body = "payload=" + "x" * 10_000_000
    out = logged(RedactFilter(), "request body: %s", body).rstrip("\n")
    assert len(out) < CAP + 100
    assert out.endswith(f"[{len('request body: ') + len(body) - CAP} more characters cut]")


def test_exception_text_is_redacted():
    out = logged(RedactFilter([CORPSECRET]), "failed with %s", CORPSECRET, exc=True)
    assert "Traceback" in out and "RuntimeError" in out
    assert TOKEN not in out and CORPSECRET not in out


def test_installed_on_every_root_handler_and_readable_back():
    root = logging.getLogger()
    extra = logging.StreamHandler(io.StringIO())
    root.addHandler(extra)
    try:
        filt = install([CORPSECRET])
        assert all(filt in h.filters for h in root.handlers)
        assert install([CORPSECRET]) is not filt and sum(isinstance(f, RedactFilter) for f in extra.filters) == 1
        assert CORPSECRET in installed_secrets()
    finally:
        for h in root.handlers:
            for f in [f for f in h.filters if isinstance(f, RedactFilter)]:
                h.removeFilter(f)
        root.removeHandler(extra)


def test_a_second_filter_masks_what_the_first_did_not_know_and_cuts_nothing_again():
    stream = io.StringIO()
    first, second = logging.StreamHandler(io.StringIO()), logging.StreamHandler(stream)
    first.addFilter(RedactFilter())  # e.g. installed by an earlier configure_logging with other settings
    second.addFilter(RedactFilter([CORPSECRET]))
    logger = logging.getLogger("tests.logs.two")
    logger.propagate, logger.level = False, logging.DEBUG
    logger.addHandler(first), logger.addHandler(second)
    try:
        logger.debug("secret %s then %s", CORPSECRET, "x" * 10_000)
    finally:
        logger.removeHandler(first), logger.removeHandler(second)
    out = stream.getvalue()
    assert CORPSECRET not in out and out.count("more characters cut") == 1
