"""Whole Slack flows through the real WSGI stack against the fake Web API: set-up, logging by slash
command and by modal, a deal announced once, leaderboards, App Home, and rate limits."""

from __future__ import annotations

import json

from tests.fakes.slack_api import BOT_USER
from tests.fakes.slack_workspace import ADMIN, CHANNEL, REP, REP2, fake_slack, slack, slack_app  # noqa: F401


def texts(calls):
    return "\n".join(c.get("text", "") for c in calls)


def setup_team(slack):
    """The admin creates a team in #sales and makes it the announcement channel; Alice joins."""
    app = slack.app
    assert slack.dm(REP, "hello")[0] == 200
    assert slack.command(ADMIN, "team create Sales")[0] == 200
    app.background.drain()
    assert slack.command(ADMIN, "team channel Sales", channel=CHANNEL, channel_name="sales")[0] == 200
    assert slack.command(ADMIN, f"team add <@{REP}|alice> to Sales")[0] == 200
    app.background.drain()


def test_first_contact_uses_users_info_and_answers_in_the_dm(slack):
    status, _, body = slack.dm(REP, "help")
    assert status == 200
    slack.app.background.drain()
    dm = slack.fake.messages("D0REP0001")
    assert dm, slack.fake.calls
    assert "Alice Chen" in texts(dm)  # the welcome used the name users.info gave
    assert all(m["blocks"] for m in dm)
    assert [c.args["user"] for c in slack.fake.sent("users.info")] == [REP]


def test_a_newcomer_keeps_the_time_zone_slack_gives(slack):
    """Before they join a team, "today" is the person's own day (from users.info), not the server's."""
    from bot.services import org

    slack.fake.add_user("U0LONDON", "Lena London", tz="Europe/London")
    slack.dm("U0LONDON", "help")
    slack.app.background.drain()
    with slack.app.db.session() as s:
        assert org.find_account("slack", "U0LONDON", session=s).tz == "Europe/London"


def test_slash_command_log_is_private_and_team_channel_is_set(slack):
    setup_team(slack)
    status, _, body = slack.command(REP, "log 80 32 2h15m")
    assert (status, body) == (200, b"")
    slack.app.background.drain()
    answer = slack.fake.sent("response_url")[-1].args
    assert answer["response_type"] == "ephemeral"
    assert "*80*" in answer["text"] and "2h15m" in answer["text"]
    assert answer["blocks"][-1]["type"] == "actions"
    assert [e["value"] for e in answer["blocks"][-1]["elements"]] == ["undo", "me"]
    # The channel was set where the command was typed, and the answer there was for everyone.
    team_answers = [c.args for c in slack.fake.sent("response_url") if "sales" in c.args["text"].lower()]
    assert any(a["response_type"] == "in_channel" for a in team_answers), team_answers


def test_deal_by_mention_is_announced_once_even_when_slack_retries(slack):
    setup_team(slack)
    body = slack.event_body({"type": "app_mention", "user": REP, "text": f"<@{BOT_USER}> won 120k Acme",
                             "ts": "1764122400.000200", "channel": CHANNEL, "event_ts": "1764122400.000200",
                             "team": "T0PACE01", "client_msg_id": "m-deal-1"}, event_id="Ev0DEAL0001")
    assert slack.post(body, "application/json")[0] == 200
    slack.app.background.drain()
    # Slack did not see our ack in time and sends the same event again, twice.
    assert slack.post(body, "application/json", retry_num=1)[0] == 200
    assert slack.post(body, "application/json", retry_num=2)[0] == 200
    slack.app.background.drain()
    channel = slack.fake.messages(CHANNEL)
    announcements = [m for m in channel if "just closed" in m["text"]]
    assert len(announcements) == 1, texts(channel)
    assert f"<@{REP}>" in announcements[0]["text"]
    assert f"<@{REP}>" in json.dumps(announcements[0]["blocks"])
    assert "¥120,000" in announcements[0]["text"]
    # The rep's answers to the mention (deal recorded, month's progress) came once each, in the channel.
    assert len(channel) == 3 and "Deal recorded" in channel[0]["text"], texts(channel)
    with slack.app.db.session() as session:
        from sqlmodel import select

        from bot.store.tables.sales import Deal

        assert len(session.exec(select(Deal)).all()) == 1


def test_leaderboard_in_channel_is_public_and_own_rank_private(slack):
    setup_team(slack)
    slack.command(REP, "won 50k Acme")
    slack.app.background.drain()
    assert slack.command(REP, "top")[0] == 200
    slack.app.background.drain()
    board = slack.fake.sent("response_url")[-1].args
    assert board["response_type"] == "in_channel"
    assert board["blocks"][0]["type"] == "header" and "Sales" in board["blocks"][0]["text"]["text"]
    assert "Alice Chen" in board["text"]
    private = slack.fake.messages("D0REP0001")
    assert "you are *#1* of 1" in private[-1]["text"]


def test_modal_log_with_a_field_error_then_saved(slack):
    setup_team(slack)
    assert slack.command(REP, "log")[0] == 200
    slack.app.background.drain()
    opened = slack.fake.sent("views.open")
    assert len(opened) == 1
    view = opened[0].args["view"]
    assert view["type"] == "modal" and view["callback_id"] == "pace_log"
    assert [b["block_id"] for b in view["blocks"]] == ["dialed", "connected", "talk", "amount", "customer", "day"]
    status, headers, body = slack.submit_log(REP, dialed="80", connected="32", talk="two hours")
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["talk"] and "two hours" in answer["errors"]["talk"]
    slack.app.background.drain()
    assert not slack.fake.messages("D0REP0001") or "Logged" not in texts(slack.fake.messages("D0REP0001"))
    status, _, body = slack.submit_log(REP, dialed="80", connected="32", talk="2h15m", amount="12万",
                                       customer="华为")
    assert (status, body) == (200, b"")
    slack.app.background.drain()
    dm = texts(slack.fake.messages("D0REP0001"))
    assert "*80*" in dm and "2h15m" in dm and "¥120,000" in dm
    assert any("just closed" in m["text"] for m in slack.fake.messages(CHANNEL))


def test_log_today_button_opens_the_modal_and_other_buttons_run_their_command(slack):
    setup_team(slack)
    slack.click(REP, "log", home=True)
    slack.app.background.drain()
    assert len(slack.fake.sent("views.open")) == 1
    assert slack.click(REP, "me week")[0] == 200
    slack.app.background.drain()
    answer = slack.fake.sent("response_url")[-1].args
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["blocks"][0]["type"] == "header"


def test_button_in_a_dm_answers_in_the_dm_and_an_expired_response_url_falls_back(slack):
    setup_team(slack)
    before = len(slack.fake.sent("response_url"))
    slack.click(REP, "me", channel="D0REP0001")
    slack.app.background.drain()
    assert len(slack.fake.sent("response_url")) == before
    assert slack.fake.messages("D0REP0001")[-1]["blocks"][0]["type"] == "header"
    slack.fake.fail("response_url", 404)
    slack.command(REP, "me")
    slack.app.background.drain()
    ephemeral = slack.fake.sent("chat.postEphemeral")
    assert len(ephemeral) == 1 and ephemeral[0].args["user"] == REP and ephemeral[0].args["channel"] == CHANNEL


def test_app_home_shows_the_month_and_log_buttons(slack):
    setup_team(slack)
    slack.command(ADMIN, f"target <@{REP}|alice> revenue 500k month")
    slack.command(REP, "won 100k Acme")
    slack.app.background.drain()
    assert slack.home_opened(REP)[0] == 200
    slack.app.background.drain()
    published = slack.fake.sent("views.publish")
    assert len(published) == 1 and published[0].args["user_id"] == REP
    view = published[0].args["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    values = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert values[:2] == ["log", "top"]
    shown = json.dumps(view, ensure_ascii=False)
    assert "Alice Chen" in shown and "¥100,000 / ¥500,000 · 20% ▰▰▱▱▱▱▱▱▱▱" in shown


def test_rate_limited_message_is_sent_after_retry_after(slack):
    slack.fake.fail("chat.postMessage", 429, retry_after=0)
    slack.dm(REP, "help")
    slack.app.background.drain()
    calls = slack.fake.sent("chat.postMessage")
    assert [c.args["_status"] for c in calls][:2] == [429, 200]
    assert len(slack.fake.messages("D0REP0001")) == len(calls) - 1


def test_server_errors_are_retried_then_reported_as_a_delay_not_a_drop(slack):
    from bot.delivery.errors import SendError
    from bot.chat.messages import Reply

    slack.fake.fail("chat.postMessage", 500, times=3)
    try:
        slack.adapter.post(CHANNEL, Reply(text="hello"))
    except SendError as exc:
        assert not exc.permanent
    else:
        raise AssertionError("a 500 after every retry must raise SendError")
    assert [c.args["_status"] for c in slack.fake.sent("chat.postMessage")] == [500, 500, 500]
    slack.fake.fail("chat.postMessage", 429, times=3, retry_after=0)
    try:
        slack.adapter.post(CHANNEL, Reply(text="hello"))
    except SendError as exc:
        assert exc.retry_after == 0 and not exc.permanent
    else:
        raise AssertionError("a 429 after every retry must raise SendError with retry_after")


def test_a_chinese_speaking_user_is_answered_in_chinese(slack):
    slack.dm(REP2, "帮助")
    slack.app.background.drain()
    text = texts(slack.fake.messages("D0REP0002"))
    assert "王伟 你好" in text and "发送 `帮助` 查看全部功能" in text
    slack.command(REP2, "记录")  # the Chinese alias of `log`, alone: the form, in Chinese
    slack.app.background.drain()
    assert slack.fake.sent("views.open")[-1].args["view"]["title"]["text"] == "记录今天"
