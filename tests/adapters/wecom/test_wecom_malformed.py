"""Malformed WeCom callbacks: an XML bomb, XML that is no envelope, odd query parameters and an
oversized body are refused with a 4xx whose body says why, at once, and nothing is done."""

from __future__ import annotations

import time

import pytest

from tests.adapters.wecom.test_wecom_callbacks import nothing_happened, wecom  # noqa: F401
from tests.wecom_fake import text_xml

ENTITIES = b"".join(b'<!ENTITY lol%d "' % i + (b"&lol%d;" % (i - 1)) * 10 + b'">' for i in range(1, 10))
BOMB = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">' + ENTITIES
        + b"]><xml><Encrypt>&lol9;</Encrypt></xml>")


def signed(wecom):
    return wecom.callbacks.sign(text_xml("zhangwei", "帮助", 1, wecom.callbacks.timestamp()))


@pytest.mark.parametrize("name, body", [("bomb", BOMB), ("not XML", b"<xml"), ("no Encrypt", b"<xml><A>1</A></xml>"),
                                        ("not UTF-8", b"<xml>\xff</xml>"), ("JSON", b"[1]")])
def test_bodies_that_are_no_envelope_get_400_with_the_reason(app, wecom, name, body):
    query, _ = signed(wecom)
    started = time.monotonic()
    status, out = wecom.callbacks.call("POST", query, body)
    assert status.startswith("400") and out.startswith(b"undecryptable")
    assert time.monotonic() - started < 1  # the entities were never expanded
    nothing_happened(app, wecom)


@pytest.mark.parametrize("param, value, status, reason", [
    ("timestamp", "1.5", "400", b"bad timestamp"), ("timestamp", "\u00b2", "400", b"bad timestamp"),
    ("timestamp", "9" * 5000, "400", b"bad timestamp"), ("msg_signature", "\u00e9" * 40, "403", b"bad signature"),
    ("nonce", "", "400", b"missing nonce"),
])
def test_odd_query_parameters_are_refused_with_the_reason(app, wecom, param, value, status, reason):
    query, body = signed(wecom)
    got, out = wecom.callbacks.call("POST", dict(query, **{param: value}), body)
    assert got.startswith(status) and out == reason
    nothing_happened(app, wecom)


def test_an_oversized_body_is_refused_by_the_server(app, wecom):
    query, _ = signed(wecom)
    assert wecom.callbacks.call("POST", query, b" " * (64 * 1024 + 1))[0].startswith("413")
    nothing_happened(app, wecom)
