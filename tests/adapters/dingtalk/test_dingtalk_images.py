"""A reply's picture on DingTalk (the weekly digest's chart): uploaded with the old API's media upload,
then sent as the robot's sampleImageMsg right after the text, to a person or a group. A missing file,
a failed upload or a custom group robot (no uploads) never cost the text."""

from __future__ import annotations

import logging
import struct
import zlib

from adapters.dingtalk.webhooks import set_webhook
from bot.delivery.addressing import Address
from bot.chat.messages import Priority, Reply, Target
from bot.services import org
from tests.dingtalk_fake import ROBOT_CODE, ROBOT_SECRET
from tests.dingtalk_support import dt_settings, fake, make_adapter, message, seed, sqlite_app  # noqa: F401
from tests.adapters.dingtalk.test_dingtalk_send import incoming

DIRECT = "/v1.0/robot/oToMessages/batchSend"
GROUP = "/v1.0/robot/groupMessages/send"


def png(path):
    """A real (1x1, white) PNG, as the chart would be."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))
    return str(path)


def digest(image, target=None):
    return Reply(text="**East** made ¥12,000 of ¥20,000 (60%).\n- Zhang Wei ¥8,000\n- Wang Fang ¥4,000",
                 title="East · 2026-W47", image=image, kind="digest", priority=Priority.BULK,
                 target=target or Target.origin(), key="digest:2026-W47:person-1")


def test_digest_to_a_manager_uploads_the_chart_then_sends_it_after_the_text(sqlite_app, dt_settings, fake,
                                                                            tmp_path):
    make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    with sqlite_app.db.session() as session:
        manager = org.find_account("dingtalk", "zhaomin", session=session)
    chart = png(tmp_path / "digest-team1-2026-W47-en.png")
    sqlite_app.deliver([digest(chart, Target.person(manager.id))])  # through the outbox, as the job does
    (upload,) = fake.uploads
    assert (upload.type, upload.filename, upload.content_type) == ("image", "digest-team1-2026-W47-en.png",
                                                                   "image/png")
    assert upload.content == (tmp_path / "digest-team1-2026-W47-en.png").read_bytes()
    assert fake.oapi_tokens_issued == 1  # the old API's token, as the directory sync fetches it
    text, image = fake.to(DIRECT)
    assert text.body["userIds"] == image.body["userIds"] == ["zhaomin"]
    assert text.body["msgKey"] == "sampleMarkdown" and "60%" in text.msg_param["text"]
    assert image.body == {"robotCode": ROBOT_CODE, "userIds": ["zhaomin"], "msgKey": "sampleImageMsg",
                          "msgParam": image.body["msgParam"]}
    assert image.msg_param == {"photoURL": upload.media_id} and upload.media_id.startswith("@lA")


def test_picture_to_a_group_goes_by_group_send_also_after_a_session_webhook_answer(sqlite_app, dt_settings,
                                                                                   fake, clock, tmp_path):
    adapter = make_adapter(sqlite_app, dt_settings)
    chart = png(tmp_path / "chart.png")
    group = Address("dingtalk", "cidGROUP", False)
    adapter.send(group, digest(chart), None)
    origin = incoming(fake, clock, group="cidGROUP")  # asked in the group: the text answers by its webhook
    adapter.send(group, digest(chart), origin)
    first, second = fake.uploads
    sent = fake.to(GROUP)
    assert [(s.body["msgKey"], s.body["openConversationId"]) for s in sent] == [
        ("sampleMarkdown", "cidGROUP"), ("sampleImageMsg", "cidGROUP"), ("sampleImageMsg", "cidGROUP")]
    assert [s.msg_param for s in sent[1:]] == [{"photoURL": first.media_id}, {"photoURL": second.media_id}]
    assert len(fake.to("/robot/sendBySession")) == 1
    assert [s.path for s in fake.sent][-2:] == ["/robot/sendBySession", GROUP]  # text first


def test_a_rejected_old_api_token_is_fetched_again_for_the_upload(sqlite_app, dt_settings, fake, tmp_path):
    adapter = make_adapter(sqlite_app, dt_settings)
    chart = png(tmp_path / "chart.png")
    person = Address("dingtalk", "zhaomin", True)
    adapter.send(person, digest(chart), None)
    fake.expire_tokens()
    adapter.send(person, digest(chart), None)
    assert fake.oapi_tokens_issued == 2 and len(fake.uploads) == 2
    assert [s.body["msgKey"] for s in fake.to(DIRECT)] == ["sampleMarkdown", "sampleImageMsg"] * 2


def test_a_missing_chart_file_sends_the_text_alone(sqlite_app, dt_settings, fake, tmp_path, caplog):
    adapter = make_adapter(sqlite_app, dt_settings)
    with caplog.at_level(logging.WARNING, logger="adapters.dingtalk.adapter"):
        adapter.send(Address("dingtalk", "zhaomin", True), digest(str(tmp_path / "gone.png")), None)
    assert [s.body["msgKey"] for s in fake.to(DIRECT)] == ["sampleMarkdown"]
    assert fake.uploads == []
    assert "gone.png" in caplog.text and "text alone" in caplog.text


def test_a_refused_upload_keeps_the_text_and_says_so(sqlite_app, dt_settings, fake, tmp_path, caplog):
    adapter = make_adapter(sqlite_app, dt_settings)
    fake.upload_errors = [{"errcode": 40006, "errmsg": "不合法的文件大小"}]
    with caplog.at_level(logging.WARNING, logger="adapters.dingtalk.adapter"):
        adapter.send(Address("dingtalk", "zhaomin", True), digest(png(tmp_path / "chart.png")), None)
    assert [s.body["msgKey"] for s in fake.to(DIRECT)] == ["sampleMarkdown"]
    assert fake.uploads == []
    assert "40006" in caplog.text and "text went alone" in caplog.text


def test_a_busy_upload_is_tried_again_without_resending_the_text(sqlite_app, dt_settings, fake, tmp_path,
                                                                caplog):
    adapter = make_adapter(sqlite_app, dt_settings)
    fake.upload_errors = [{"errcode": -1, "errmsg": "系统繁忙"}]
    adapter.send(Address("dingtalk", "zhaomin", True), digest(png(tmp_path / "chart.png")), None)
    (upload,) = fake.uploads
    sent = fake.to(DIRECT)
    assert [s.body["msgKey"] for s in sent] == ["sampleMarkdown", "sampleImageMsg"]
    assert sent[1].msg_param == {"photoURL": upload.media_id}
    # One that stays busy is given up after a few tries, with a log line; the text stays sent once.
    fake.upload_errors = [{"errcode": -1, "errmsg": "系统繁忙"}] * 3
    with caplog.at_level(logging.WARNING, logger="adapters.dingtalk.adapter"):
        adapter.send(Address("dingtalk", "wangfang", True), digest(png(tmp_path / "chart.png")), None)
    assert [s.body["userIds"] for s in fake.to(DIRECT)][2:] == [["wangfang"]]
    assert fake.upload_errors == [] and "text went alone" in caplog.text


def test_a_custom_robot_gets_the_text_alone_unless_the_picture_has_a_public_url(sqlite_app, dt_settings, fake,
                                                                               tmp_path, caplog):
    adapter = make_adapter(sqlite_app, dt_settings)
    team_id = seed(sqlite_app)
    with sqlite_app.db.session() as session:
        set_webhook("East", fake.robot_webhook, ROBOT_SECRET, session=session)
    robot = Address("dingtalk", f"webhook:{team_id}", False)
    with caplog.at_level(logging.INFO, logger="adapters.dingtalk.adapter"):
        adapter.send(robot, Reply(text="Week done", image=png(tmp_path / "chart.png")), None)
    assert "no public URL" in caplog.text and fake.uploads == []
    adapter.send(robot, Reply(text="Week done", image="https://pacebot.example.com/c.png"), None)
    plain, with_image = fake.to("/robot/send")
    assert plain.body == {"msgtype": "text", "text": {"content": "Week done"}}
    assert with_image.body["msgtype"] == "markdown"
    assert with_image.body["markdown"]["text"] == "Week done\n\n![Week done](https://pacebot.example.com/c.png)"
    assert len(fake.robot_sends) == 2  # one message each: the picture rode inside the text
