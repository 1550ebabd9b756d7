"""WeCom callbacks as WeCom signs and encrypts them, and as an attacker would: forged, tampered,
another corp's, undecryptable, stale and replayed ones are refused and do nothing."""

from __future__ import annotations

import pytest
from sqlmodel import select
from wechatpy.enterprise import WeChatCrypto

from bot.store.tables.sales import InboundEvent, Person
from bot.app import build_server
from tests.wecom_fake import AES_KEY, CORP_ID, TOKEN, FakeWeComAPI, sim, text_xml, wecom_env


@pytest.fixture
def wecom(app, monkeypatch):
    api = FakeWeComAPI()
    for key, value in wecom_env(api).items():
        monkeypatch.setenv(key, value)
    server, adapters = build_server(app, ["wecom"])
    yield sim(api, server, app.clock, adapters[0])
    api.close()


def nothing_happened(app, wecom):
    app.background.drain()
    assert wecom.api.requests == []
    with app.db.session() as s:
        assert s.exec(select(Person)).all() == []
        assert s.exec(select(InboundEvent).where(InboundEvent.platform == "wecom")).all() == []


def test_url_verification_echoes_the_decrypted_echostr(app, wecom):
    cb = wecom.callbacks
    from wechatpy.enterprise.crypto import PrpCrypto
    from wechatpy.utils import WeChatSigner

    ts, nonce = cb.timestamp(), "v1"  # WeCom encrypts a random number and signs the result
    echostr = PrpCrypto(cb.crypto.key).encrypt("4852397610274", CORP_ID).decode()
    signer = WeChatSigner()
    signer.add_data(TOKEN, ts, nonce, echostr)
    query = {"msg_signature": signer.signature, "timestamp": ts, "nonce": nonce, "echostr": echostr}
    assert cb.call("GET", query) == ("200 OK", b"4852397610274")
    assert cb.call("GET", dict(query, msg_signature="0" * 40))[0].startswith("403")
    assert cb.call("GET", {"timestamp": ts})[0].startswith("400")


def test_genuine_message_is_answered_with_an_empty_200_and_handled_later(app, wecom):
    status, body = wecom.callbacks.post(text_xml("zhangwei", "帮助", 1, wecom.callbacks.timestamp()))
    assert (status, body) == ("200 OK", b"")
    app.background.drain()
    assert any("What I can do" in t for t in wecom.api.texts(touser="zhangwei"))


def test_forged_signature_is_refused(app, wecom):
    forged = WeChatCrypto("notTheToken", AES_KEY, CORP_ID)
    status, _ = wecom.callbacks.post(text_xml("zhangwei", "帮助", 1, wecom.callbacks.timestamp()), crypto=forged)
    assert status.startswith("403")
    nothing_happened(app, wecom)


def test_tampered_body_is_refused(app, wecom):
    cb = wecom.callbacks
    query, body = cb.sign(text_xml("zhangwei", "成交 100万", 1, cb.timestamp()))
    start = body.index(b"<Encrypt><![CDATA[") + 18
    flipped = b"A" if body[start + 10:start + 11] != b"A" else b"B"
    assert cb.call("POST", query, body[:start + 10] + flipped + body[start + 11:])[0].startswith("403")
    nothing_happened(app, wecom)


def test_another_corps_message_is_refused(app, wecom):
    other = WeChatCrypto(TOKEN, AES_KEY, "ww9999999999999999")
    status, _ = wecom.callbacks.post(text_xml("zhangwei", "帮助", 1, wecom.callbacks.timestamp()), crypto=other)
    assert status.startswith("403")
    nothing_happened(app, wecom)


def test_undecryptable_body_is_refused(app, wecom):
    from wechatpy.utils import WeChatSigner

    cb = wecom.callbacks
    ts, nonce, junk = cb.timestamp(), "n1", "bm90IGNpcGhlcnRleHQ="
    signer = WeChatSigner()
    signer.add_data(TOKEN, ts, nonce, junk)  # signed by someone with the token but not the AES key
    body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{junk}]]></Encrypt></xml>"
    query = {"msg_signature": signer.signature, "timestamp": ts, "nonce": nonce}
    assert cb.call("POST", query, body.encode())[0].startswith("400")
    assert cb.call("POST", query, b"not xml")[0].startswith("400")
    nothing_happened(app, wecom)


def test_stale_and_replayed_callbacks_are_refused(app, wecom, clock):
    cb = wecom.callbacks
    old = str(int(clock().timestamp()) - 301)
    assert cb.post(text_xml("zhangwei", "帮助", 1, old), timestamp=old)[0].startswith("403")
    nothing_happened(app, wecom)

    query, body = cb.sign(text_xml("zhangwei", "帮助", 2, cb.timestamp()))
    assert cb.call("POST", query, body)[0] == "200 OK"
    app.background.drain()
    answered = len(wecom.api.requests)
    assert cb.call("POST", query, body)[0].startswith("403")  # the very same request again
    clock.advance(minutes=4)
    assert cb.call("POST", query, body)[0].startswith("403")
    app.background.drain()
    assert len(wecom.api.requests) == answered


def test_missing_parameters_and_other_methods(app, wecom):
    assert wecom.callbacks.call("POST", {}, b"<xml/>")[0].startswith("400")
    assert wecom.callbacks.call("PUT", {})[0].startswith("405")
    nothing_happened(app, wecom)
