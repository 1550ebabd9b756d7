"""Every platform's size limits, respected by splitting and never by failing: a weekly digest for a
team of 150 reps is delivered to its manager on Slack, WeCom and DingTalk through each adapter and
its local fake; every request the fake took is within that platform's limits, and the whole text
arrived, nothing lost, in order."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.app import build_server
from bot.schedule.jobs import weekly_digest
from bot.chat.messages import Button, Reply
from bot.store.tables.sales import Activity, Deal
from bot.services import org
from tests.dingtalk_support import dt_settings, fake, make_adapter  # noqa: F401
from tests.fakes.slack_api import block_text
from tests.fakes.slack_workspace import fake_slack, slack, slack_app  # noqa: F401
from tests.schedule_helpers import make_org
from tests.wecom_fake import FakeWeComAPI, sim, wecom_env

SH = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 30, 9, tzinfo=SH)  # the digest of 2026-W48 goes out
REPS = 150


@pytest.fixture(autouse=True)
def chart_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PACEBOT_CHART_DIR", str(tmp_path / "charts"))  # read when a job runs (no cache)


def seed_team(app, *, platform: str, lang: str) -> int:
    """150 reps (names in both scripts), each with a few calls and deals in the week: a long digest."""
    app.clock.set(MONDAY)
    names = [f"Rep{n:03d} 张伟{n}" if n % 2 else f"Rep{n:03d} Alice" for n in range(REPS)]
    team = make_org(app, reps=names, platform=platform, lang=lang)
    now = app.clock()
    with app.db.session() as s:
        for n, pid in enumerate(team.reps.values()):
            for d in range(23, 23 + n % 5):
                s.add(Activity(person_id=pid, day=date(2026, 11, d), dialed=40 + n, connected=10 + n % 7,
                               updated_at=now))
            if n % 3 == 0:
                s.add(Deal(person_id=pid, team_id=team.team_id, day=date(2026, 11, 24), amount_cents=(1000 + n) * 100,
                           customer=f"客户{n}", created_at=now))
    return team.team_id


def run_digest(app, team_id: int) -> Reply:
    with app.db.session() as s:
        team = org.get_team(team_id, session=s)
    assert weekly_digest(app, team, app.clock()) == 1
    app.outbox.dispatch()
    return _digest_reply(app, team_id)


def _digest_reply(app, team_id) -> Reply:
    """The digest as the job built it (rendered again from the same data, for the comparison)."""
    from bot.services.digest import build_digest
    from bot.core.periods import PeriodKind, period_containing

    with app.db.session() as s:
        team = org.get_team(team_id, session=s)
        week = period_containing(PeriodKind.WEEK, date(2026, 11, 23))
        digest = build_digest(team, week, default_tz=app.settings.tz, session=s)
        lang = team.lang
        text = app.i18n.render(lang, "digest", d=digest, currency=team.currency)
        title = app.i18n.t(lang, "digest.title", team=team.name, period=week.label)
    return Reply(text=text, title=title, lang=lang)


def squeeze(text: str) -> str:
    """Text without markup or spacing, so that each platform's rendering compares with the source."""
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return re.sub(r"[\s*•#\\-]|^---$", "", text)


def source_text(reply: Reply) -> str:
    return squeeze(reply.title + "".join(reply.sections()))


# -- Slack ---------------------------------------------------------------------------------------
def test_slack_digest_of_150_reps_goes_as_several_messages_within_every_limit(slack):
    app = slack.app
    team_id = seed_team(app, platform="slack", lang="en")
    reply = run_digest(app, team_id)
    assert len(reply.text) > 30000  # far past what one Slack message holds
    posts = [c.args for c in slack.fake.sent("chat.postMessage")]
    assert {p["channel"] for p in posts} == {"D-MGR"}  # the manager's DM
    assert len(posts) > 2
    for args in posts:
        blocks = args["blocks"]
        assert len(blocks) <= 50 and block_text(blocks) <= 12000 and len(args["text"]) <= 40000
        assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    received = "".join(b["text"]["text"] for args in posts for b in args["blocks"] if b["type"] in ("header", "section"))
    assert squeeze(received) == source_text(reply)
    assert slack.fake.sent("files.completeUploadExternal")  # the chart follows the text


def test_slack_refuses_one_message_holding_it_all_and_the_error_is_permanent(slack):
    """The fake refuses as Slack does, so a reply sent unsplit would fail this suite; the errors are
    permanent (a retry cannot help); the same reply through the adapter goes as several messages."""
    from slack_sdk.errors import SlackApiError

    from adapters.slack.client import send_error

    sections = [("word " * 500).strip() for _ in range(8)]  # 8 sections of 2,499 characters
    too_much = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
    too_many = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "y" * 3001}}]
    for blocks, error in ((too_much, "msg_blocks_too_long"), (too_many, "invalid_blocks"), (too_long, "invalid_blocks")):
        with pytest.raises(SlackApiError) as info:
            slack.adapter.client.chat_postMessage(channel="C1", text="t", blocks=blocks)
        assert info.value.response["error"] == error and send_error(info.value).permanent
    slack.adapter.post("C1", Reply(text="\n---\n".join(sections), title="Long"))
    posts = [c.args for c in slack.fake.sent("chat.postMessage") if c.args["_status"] == 200]
    accepted = posts[3:]  # after the three refused above
    assert len(accepted) == 2 and accepted[0]["blocks"][0]["type"] == "header"
    received = "".join(b["text"]["text"] for p in accepted for b in p["blocks"] if b["type"] == "section")
    assert squeeze(received) == squeeze("".join(sections))


# -- WeCom ---------------------------------------------------------------------------------------
@pytest.fixture
def wecom(app, monkeypatch):
    api = FakeWeComAPI()
    for key, value in wecom_env(api).items():
        monkeypatch.setenv(key, value)
    server, adapters = build_server(app, ["wecom"])
    yield sim(api, server, app.clock, adapters[0])
    api.close()


def drain_outbox(app) -> None:
    """Let the platforms' rates (WeCom: 30 a minute per member) pass until the outbox has sent it all."""
    from sqlmodel import select

    from bot.store.tables.schedule import OutboxMessage, OutboxStatus

    for _ in range(100):
        app.outbox.dispatch()
        with app.db.session() as session:
            if not session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)).first():
                return
        app.clock.advance(seconds=61)
    raise AssertionError("messages still waiting")


def test_wecom_digest_of_150_reps_goes_as_messages_of_at_most_2048_bytes(app, wecom):
    team_id = seed_team(app, platform="wecom", lang="zh")
    reply = run_digest(app, team_id)
    drain_outbox(app)
    sent = [b for b in wecom.api.sent("message/send") if b["touser"] == "U-MGR"]
    texts = [b for b in sent if b["msgtype"] in ("markdown", "text")]
    assert len(reply.text.encode()) > 30000 and len(texts) > 15
    assert all(len(b[b["msgtype"]]["content"].encode()) <= 2048 for b in texts)
    assert sent[-1]["msgtype"] == "image"  # the chart, after all of the text
    assert squeeze("".join(b[b["msgtype"]]["content"] for b in texts)) == source_text(reply)


def test_wecom_robot_takes_4096_bytes_and_refuses_more_with_40058(app, wecom):
    from tests.wecom_fake import ROBOT_KEY

    robot = f"{wecom.api.url}/cgi-bin/webhook/send?key={ROBOT_KEY}"
    body = {"msgtype": "markdown", "markdown": {"content": "字" * 1366}}  # 4,098 bytes
    with pytest.raises(Exception) as info:
        wecom.adapter.client.post_webhook(robot, body)
    assert getattr(info.value, "errcode", None) == 40058
    reply = Reply(text="\n---\n".join("**第 %d 节**\n" % n + "内容很长" * 300 for n in range(5)))
    from bot.delivery.addressing import Address

    wecom.adapter.send(Address("wecom", robot, False, "群"), reply, None)
    pieces = [b["markdown"]["content"] for b in wecom.api.sent("webhook/send")]
    assert len(pieces) == 5 and all(2048 < len(p.encode()) <= 4096 for p in pieces)  # a section each
    assert squeeze("".join(pieces)) == squeeze("".join(reply.sections()))


def test_wecom_english_buttons_are_never_cut(app, wecom):
    """A card button shows 10 characters: long English labels use their short forms, and a label with
    none becomes a line the person can type; no button text is a cut word ("Leaderboar")."""
    from bot.delivery.addressing import Address

    t = lambda key: app.i18n.t("en", key)  # noqa: E731
    buttons = [Button(t("button.top"), "top"), Button(t("button.quarter"), "me quarter"),
               Button(t("button.log_zero"), "log 0", "primary"), Button(t("button.away_today"), "away"),
               Button("Show my pipeline", "pipeline")]
    wecom.adapter.send(Address("wecom", "ann", True, "Ann"), Reply(text="Saved.", buttons=buttons, lang="en"), None)
    (card,) = [b["template_card"] for b in wecom.api.sent("message/send") if b["msgtype"] == "template_card"]
    labels = [b["text"] for b in card["button_list"]]
    assert labels == ["Rankings", "Quarter", "0 calls", "Off today"]
    assert [b["key"] for b in card["button_list"]] == ["top", "me quarter", "log 0", "away"]
    assert "- Show my pipeline: pipeline" in card["sub_title_text"]  # typed, not cut
    sent = json.dumps(wecom.api.requests, ensure_ascii=False)
    assert "Leaderboar\"" not in sent and "Show my pi\"" not in sent


# -- DingTalk ------------------------------------------------------------------------------------
def test_dingtalk_digest_of_150_reps_goes_as_markdown_of_a_safe_size(app, fake, dt_settings):
    make_adapter(app, dt_settings)
    team_id = seed_team(app, platform="dingtalk", lang="zh")
    reply = run_digest(app, team_id)
    sends = fake.to("/v1.0/robot/oToMessages/batchSend")
    texts = [s for s in sends if s.body["msgKey"] != "sampleImageMsg"]
    assert len(reply.text.encode()) > 30000 and len(texts) > 5
    for s in texts:
        assert s.body["userIds"] == ["U-MGR"] and s.body["msgKey"] == "sampleMarkdown"
        assert int(s.headers["Content-Length"]) <= 20000 and len(s.msg_param["text"]) <= 3000
        assert s.msg_param["title"] == reply.title
    assert sends[-1].body["msgKey"] == "sampleImageMsg"  # the chart, after all of the text
    assert squeeze("".join(s.msg_param["text"] for s in texts)) == source_text(reply)


def test_dingtalk_refuses_a_body_over_20000_bytes_with_460101(app, fake, dt_settings):
    """The fake refuses as DingTalk does (a custom robot's answer); sent through the adapter, the same
    text goes in parts that fit."""
    from bot.delivery.addressing import Address
    from bot.delivery.errors import SendError

    adapter = make_adapter(app, dt_settings)
    long = "\n---\n".join(f"**第 {n} 节**\n" + "很长的内容" * 500 for n in range(4))
    with pytest.raises(SendError) as info:
        adapter.api.webhook(fake.session_webhook("s1"), {"msgtype": "markdown",
                                                          "markdown": {"title": "t", "text": long}})
    assert info.value.permanent and "460101" in str(info.value)
    adapter.send(Address("dingtalk", "cid-group", False, "群"), Reply(text=long, title="长"), None)
    parts = [s.msg_param for s in fake.to("/v1.0/robot/groupMessages/send")]
    assert len(parts) >= 4 and all(len(p["text"]) <= 3000 for p in parts)
    assert squeeze("".join(p["text"] for p in parts)) == squeeze("长" + "".join(Reply(text=long).sections()))


def test_slack_parts_keep_the_header_first_the_buttons_last_and_50_blocks_each():
    from adapters.slack import render

    # Many short sections are merged into fewer blocks rather than filling 50 with dividers.
    many = Reply(text="\n---\n".join(f"part {n}" for n in range(80)), title="Many", buttons=[Button("Me", "me")])
    (only,) = render.messages(many)
    assert [b["type"] for b in only["blocks"]] == ["header", "section", "actions"]
    assert only["blocks"][1]["text"]["text"] == "\n\n".join(f"part {n}" for n in range(80))
    # Long sections go over several messages: the header opens the first, the buttons close the last.
    long = Reply(text="\n---\n".join(f"part {n} " + "x" * 2500 for n in range(10)), title="Long",
                 buttons=[Button("Me", "me")])
    parts = render.messages(long)
    assert len(parts) == 3 and all(render.block_text_length(p["blocks"]) <= render.MAX_MESSAGE_TEXT for p in parts)
    assert parts[0]["blocks"][0]["type"] == "header" and parts[1]["blocks"][0]["type"] == "section"
    assert parts[-1]["blocks"][-1]["type"] == "actions" and parts[0]["blocks"][-1]["type"] == "section"
    shown = [b["text"]["text"] for p in parts for b in p["blocks"] if b["type"] == "section"]
    assert shown == [f"part {n} " + "x" * 2500 for n in range(10)]
    assert render.messages(Reply(text="short"))[0]["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "short"}}]


def test_dingtalk_custom_robot_counts_every_part_and_waits_for_room_in_its_minute(app, fake, dt_settings):
    """A long announcement to a custom robot with 16 of its 20 a minute used: its six parts wait for room
    in the shared limiter, then go in order; nothing twice, DingTalk's ten-minute block never hit."""
    from adapters.dingtalk.webhooks import set_webhook
    from bot.chat.messages import Target
    from tests.dingtalk_fake import ROBOT_SECRET
    from tests.dingtalk_support import seed

    make_adapter(app, dt_settings)
    team_id = seed(app)
    with app.db.session() as session:
        set_webhook("East", fake.robot_webhook, ROBOT_SECRET, session=session)
    app.deliver([Reply(text=f"deal {n}", target=Target.team(team_id), kind="notice", key=f"deal-{n}")
                 for n in range(16)])
    sections = [f"**第 {n} 节**\n" + f"第{n}节的内容" * 400 for n in range(6)]
    app.deliver([Reply(text="\n---\n".join(sections), title="播报", target=Target.team(team_id), kind="notice",
                       key="long")])
    markdown = lambda: [s.body["markdown"]["text"] for s in fake.to("/robot/send")  # noqa: E731
                        if s.body["msgtype"] == "markdown"]
    assert len(fake.to("/robot/send")) == 16 and markdown() == []  # 16 + 6 > 20 in the minute: it waits
    app.clock.advance(minutes=1, seconds=1)
    app.outbox.dispatch()
    parts = markdown()
    assert len(parts) == 6 and fake.robot_throttled_until is None
    assert squeeze("".join(parts)) == squeeze("播报" + "".join(sections))


# -- a failure part-way ----------------------------------------------------------------------------
def three_parts() -> Reply:
    return Reply(text="\n---\n".join(f"part {n} " + "z" * 9000 for n in range(3)))


def test_slack_part_2_of_3_rate_limited_says_so_and_a_retry_starts_there(slack):
    from bot.delivery.addressing import Address
    from bot.delivery.errors import SendError

    slack.fake.fail("chat.postMessage", 429, times=1, retry_after=0, after=1)  # the outbox retries, not slack_sdk
    reply = three_parts()
    with pytest.raises(SendError) as info:
        slack.adapter.send(Address("slack", "C0SALES01", False), reply, None)
    assert info.value.retry_after is not None and info.value.parts_sent == 1
    slack.adapter.send(Address("slack", "C0SALES01", False), reply, None, start_part=info.value.parts_sent)
    ok = [c.args for c in slack.fake.sent("chat.postMessage") if c.args["_status"] == 200]
    assert [p["blocks"][0]["text"]["text"][:6] for p in ok] == ["part 0", "part 1", "part 2"]  # once each, in order


def test_wecom_part_2_rate_limited_says_so_and_a_retry_starts_there(app, wecom):
    from bot.delivery.addressing import Address
    from bot.delivery.errors import SendError

    wecom.api.fail_next("message/send", 45009, after=1)
    reply = Reply(text="\n---\n".join(f"**part {n}** " + "z" * 1900 for n in range(3)))
    with pytest.raises(SendError) as info:
        wecom.adapter.send(Address("wecom", "ann", True), reply, None)
    assert info.value.retry_after and info.value.parts_sent == 1
    wecom.adapter.send(Address("wecom", "ann", True), reply, None, start_part=info.value.parts_sent)
    assert [t[:10] for t in wecom.api.texts(touser="ann")] == ["**part 0**", "**part 1**", "**part 2**"]


def test_slack_a_long_slash_command_answer_takes_one_response_url_post_per_part(slack):
    from bot.chat.messages import Incoming

    from bot.delivery.addressing import Address

    origin = Incoming(platform="slack", user_id="U0REP0001", text="me", channel_id="C0SALES01", is_direct=False,
                      extra={"response_url": slack.fake.response_url("cmd-long"), "command": "/pace"})
    # A private answer is addressed to its asker, whatever route it takes.
    slack.adapter.send(Address("slack", "U0REP0001", True), three_parts(), origin)
    posts = [c.args for c in slack.fake.sent("response_url")]
    assert len(posts) == 3 and all(p["response_type"] == "ephemeral" for p in posts)
    assert all(block_text(p["blocks"]) <= 12000 and len(p["blocks"]) <= 50 for p in posts)
    assert [p["blocks"][0]["text"]["text"][:6] for p in posts] == ["part 0", "part 1", "part 2"]
    assert slack.fake.sent("chat.postMessage") == []  # private stays private
