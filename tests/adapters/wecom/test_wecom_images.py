"""WeCom images: a reply's chart (the weekly digest's) goes right after its text, as WeCom takes images:
uploaded as temporary media then sent by media_id to a person or an app group chat, inline (base64
and MD5) to a group robot; a missing file or a failed upload never costs the text."""

from __future__ import annotations

import dataclasses

import base64
import hashlib
import logging
from decimal import Decimal

import pytest

from adapters.wecom import build
from adapters.wecom.settings import WeComSettings
from bot.delivery.addressing import Address
from bot.chat.messages import Priority, Reply
from tests.wecom_fake import ROBOT_KEY, FakeWeComAPI, wecom_env


@pytest.fixture(scope="module")
def chart_png(tmp_path_factory):
    from bot.schedule import chart

    return chart.draw_week(tmp_path_factory.mktemp("charts") / "digest-team1-2026-W47-zh.png",
                           title="华东一部 · 2026-W47", day_labels=list("一二三四五六日"),
                           revenue=[Decimal(1200)] * 7, calls=[30] * 7, pace=[Decimal(1000)] * 7,
                           labels={"revenue": "业绩", "calls": "外呼", "pace": "进度"})


@pytest.fixture
def api():
    fake = FakeWeComAPI()
    yield fake
    fake.close()


@pytest.fixture
def adapter(app, api):
    adapter = build(app, WeComSettings(_env_file=None, **wecom_env(api)))
    app.add_sender(adapter)
    return adapter


def digest(image) -> Reply:
    return Reply(text="**本周** 业绩 12,000 元，达成 120%", title="华东一部 周报 2026-W47", kind="digest",
                 image=str(image), priority=Priority.BULK)


ZHANG = Address("wecom", "zhangwei", True, "张伟")


def test_digest_to_a_person_uploads_the_chart_then_sends_it_by_media_id(adapter, api, chart_png):
    adapter.send(ZHANG, digest(chart_png), None)
    assert [r["endpoint"] for r in api.requests] == ["message/send", "media/upload", "message/send"]
    upload = api.requests[1]
    assert upload["query"]["type"] == "image"
    assert upload["body"]["media"]["filename"] == chart_png.name
    assert upload["body"]["media"]["content"] == chart_png.read_bytes()
    text, image = api.sent("message/send")
    assert text["msgtype"] == "markdown" and "华东一部 周报" in text["markdown"]["content"]
    assert image == {"touser": "zhangwei", "toparty": "", "totag": "", "agentid": 1000002,
                     "msgtype": "image", "image": {"media_id": upload["body"]["media_id"]}}


def test_digest_to_an_app_group_chat(adapter, api, chart_png):
    api.chats["wrkTeam"] = ["zhaomin", "zhangwei"]
    adapter.send(Address("wecom", "wrkTeam", False), digest(chart_png), None)
    assert [r["endpoint"] for r in api.requests] == ["appchat/send", "media/upload", "appchat/send"]
    media_id = api.sent("media/upload")[0]["media_id"]
    assert api.sent("appchat/send")[1] == {"chatid": "wrkTeam", "msgtype": "image", "image": {"media_id": media_id}}
    assert api.media[media_id] == chart_png.read_bytes()


def test_digest_to_a_group_robot_goes_inline_without_upload(adapter, api, chart_png):
    hook = Address("wecom", f"{api.url}/cgi-bin/webhook/send?key={ROBOT_KEY}", False)
    adapter.send(hook, digest(chart_png), None)
    assert [r["endpoint"] for r in api.requests] == ["webhook/send", "webhook/send"]
    text, image = api.sent("webhook/send")
    assert text["msgtype"] == "markdown" and image["msgtype"] == "image"
    data = chart_png.read_bytes()
    assert base64.b64decode(image["image"]["base64"]) == data
    assert image["image"]["md5"] == hashlib.md5(data).hexdigest()
    assert api.token_fetches == 0  # a robot's key is its credential


def test_a_missing_chart_sends_the_text_alone(adapter, api, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        adapter.send(ZHANG, digest(tmp_path / "gone.png"), None)
    assert [r["endpoint"] for r in api.requests] == ["message/send"]
    assert "gone.png" in caplog.text


def test_a_failed_upload_keeps_the_text_and_raises_nothing(adapter, api, chart_png, caplog):
    api.fail_next("media/upload", 45009)
    with caplog.at_level(logging.WARNING):
        adapter.send(ZHANG, digest(chart_png), None)  # no SendError: the outbox must not resend the text
    assert [r["endpoint"] for r in api.requests] == ["message/send"]
    assert "本周" in api.texts(touser="zhangwei")[0]
    assert "not sent" in caplog.text and "45009" in caplog.text


def test_a_rejected_file_keeps_the_text(adapter, api, tmp_path):
    fake = tmp_path / "chart.png"
    fake.write_bytes(b"not an image")  # WeCom refuses it (40005)
    adapter.send(ZHANG, digest(fake), None)
    assert [b["msgtype"] for b in api.sent("message/send")] == ["markdown"] and not api.media


def test_an_upload_with_an_expired_token_is_resent_whole(adapter, api, chart_png):
    adapter.send(ZHANG, Reply(text="先"), None)
    api.fail_next("media/upload", 42001)
    adapter.send(ZHANG, digest(chart_png), None)
    assert api.sent("media/upload")[0]["media"]["content"] == chart_png.read_bytes()
    assert api.sent("message/send")[-1]["msgtype"] == "image" and api.token_fetches == 2


def test_the_image_counts_against_the_member_rate_and_waits_with_its_text(app, adapter, api, chart_png, clock):
    from tests.adapters.wecom.test_wecom_send import member

    zhang = member(app, "zhangwei")
    for n in range(29):
        app.deliver([Reply(text=f"消息 {n}", target=zhang, kind="notice")])
    app.deliver([dataclasses.replace(digest(chart_png), target=zhang)])  # text and image: the 30th and 31st
    assert len(api.sent("message/send")) == 29 and not api.sent("media/upload")
    clock.advance(seconds=60)
    assert app.outbox.dispatch() == 1
    assert [m["msgtype"] for m in api.sent("message/send")[-2:]] == ["markdown", "image"]
    assert len(api.sent("media/upload")) == 1
