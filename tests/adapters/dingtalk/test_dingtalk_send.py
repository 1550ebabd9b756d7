"""Sending to DingTalk: the sessionWebhook while it lives, the robot OpenAPI after (token fetched,
cached and fetched again when refused), custom group robots signed and kept under 20 a minute, and
messages over a limit waiting in the outbox (the adapter holds nothing), never lost."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.dingtalk.parse import parse
from adapters.dingtalk.render import render
from adapters.dingtalk.webhooks import set_webhook
from bot.delivery.addressing import Address
from bot.delivery.errors import SendError
from bot.core.errors import UserError
from bot.chat.messages import Button, Mention, Reply, Target
from tests.dingtalk_fake import ROBOT_CODE, ROBOT_SECRET
from tests.dingtalk_support import dt_settings, fake, make_adapter, message, seed, sqlite_app  # noqa: F401


def incoming(fake, clock, text="me", **kw):
    return parse(message(fake, text, clock=clock, **kw), now=clock(), api_base=fake.url,
                 allowed_hosts=("127.0.0.1",))


def test_render_picks_actioncard_markdown_or_text():
    card = render(Reply(text="Saved **¥5,000**.", buttons=[Button("Undo", "undo"), Button("My score", "me week")]))
    assert card.msgtype == "actionCard"
    body = card.webhook()["actionCard"]
    assert body["btns"][1] == {"title": "My score",
                               "actionURL": "dtmd://dingtalkclient/sendMessage?content=me%20week"}
    key, param = card.openapi()
    assert key == "sampleActionCard2" and '"actionTitle1": "Undo"' in param
    assert render(Reply(text="x", buttons=[Button("Undo", "undo")])).openapi()[0] == "sampleActionCard"
    md = render(Reply(text="- one\n- two\nthree\n---\nnext", title="Week"))
    assert md.msgtype == "markdown" and md.title == "Week"
    assert md.text == "#### Week\n\n- one\n- two\n\nthree\n\nnext"
    plain = render(Reply(text="Hello \\*Zhang\\*", mentions=[Mention("Zhang", {"dingtalk": "zhangwei"})]))
    assert plain.msgtype == "text" and plain.text == "Hello *Zhang*"
    assert plain.webhook() == {"msgtype": "text", "text": {"content": "Hello *Zhang* @zhangwei"},
                               "at": {"atUserIds": ["zhangwei"], "isAtAll": False}}


def test_expired_session_webhook_falls_back_to_openapi_with_a_cached_token(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    origin = incoming(fake, clock, expires_ms=int(clock().timestamp() * 1000) + 30_000)  # in its last minute
    address = Address("dingtalk", "zhangwei", True)
    adapter.send(address, Reply(text="**one**"), origin)
    adapter.send(address, Reply(text="two"), origin)
    sent = fake.to("/v1.0/robot/oToMessages/batchSend")
    assert [s.body["userIds"] for s in sent] == [["zhangwei"], ["zhangwei"]]
    assert sent[0].body["robotCode"] == ROBOT_CODE
    assert (sent[0].body["msgKey"], sent[0].msg_param) == ("sampleMarkdown", {"title": "one", "text": "**one**"})
    assert (sent[1].body["msgKey"], sent[1].msg_param) == ("sampleText", {"content": "two"})
    assert fake.tokens_issued == 1 and fake.to("/robot/sendBySession") == []
    # Another process shares the token through the database.
    other = make_adapter(sqlite_app, dt_settings)
    other.send(address, Reply(text="three"), None)
    assert fake.tokens_issued == 1


def test_rejected_token_is_fetched_again(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    group = Address("dingtalk", "cidGROUP", False)
    adapter.send(group, Reply(text="first"), None)
    fake.expire_tokens()  # DingTalk revoked it before its time
    adapter.send(group, Reply(text="second"), None)
    sent = fake.to("/v1.0/robot/groupMessages/send")
    assert [s.msg_param["content"] for s in sent] == ["first", "second"]
    assert sent[1].headers["x-acs-dingtalk-access-token"] == "app-token-2"
    assert all(s.body["openConversationId"] == "cidGROUP" for s in sent)


def statuses(app) -> list[str]:
    from sqlmodel import select

    from bot.store.tables.schedule import OutboxMessage

    with app.db.session() as session:
        return [r.status for r in session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()]


def person_id(app, staff_id: str) -> int:
    from bot.services import org

    with app.db.session() as session:
        return org.find_account("dingtalk", staff_id, session=session).id


def test_flow_controlled_staff_get_the_message_later(sqlite_app, dt_settings, fake, clock):
    make_adapter(sqlite_app, dt_settings)
    seed(sqlite_app)
    fake.flow_controlled = {"zhangwei"}
    to_zhang = Target.person(person_id(sqlite_app, "zhangwei"))
    sqlite_app.deliver([Reply(text="reminder", target=to_zhang, kind="notice")])
    sqlite_app.deliver([Reply(text="after it", target=to_zhang, kind="notice")])  # waits behind, in order
    assert fake.to("/v1.0/robot/oToMessages/batchSend") == [] and statuses(sqlite_app) == ["pending"] * 2
    clock.advance(seconds=30)
    assert sqlite_app.outbox.dispatch() == 0
    clock.advance(seconds=31)
    assert sqlite_app.outbox.dispatch() == 2
    assert [s.msg_param["content"] for s in fake.to("/v1.0/robot/oToMessages/batchSend")] == ["reminder", "after it"]


def test_custom_robot_is_signed_and_kept_under_its_limit(sqlite_app, dt_settings, fake, clock):
    make_adapter(sqlite_app, dt_settings)
    team_id = seed(sqlite_app)
    with sqlite_app.db.session() as session:
        set_webhook("East", fake.robot_webhook, ROBOT_SECRET, session=session)
    for n in range(25):
        sqlite_app.deliver([Reply(text=f"deal {n}", target=Target.team(team_id), kind="notice",
                                  mentions=[Mention("Zhang", {"dingtalk": "zhangwei"})])])
    sent = fake.to("/robot/send")
    assert len(sent) == 20 and statuses(sqlite_app).count("pending") == 5  # never tripped the penalty
    assert sent[0].body["at"] == {"atUserIds": ["zhangwei"], "isAtAll": False}
    clock.advance(minutes=1)
    assert sqlite_app.outbox.dispatch() == 5
    assert [s.body["text"]["content"] for s in fake.to("/robot/send")][-5:] == [
        f"deal {n} @zhangwei" for n in range(20, 25)]


def test_throttled_custom_robot_waits_ten_minutes(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    team_id = seed(sqlite_app)
    with sqlite_app.db.session() as session:
        set_webhook("East", fake.robot_webhook, ROBOT_SECRET, session=session)
    fake.robot_throttled_until = clock() + timedelta(minutes=10)  # another sender used it up
    robot = Address("dingtalk", f"webhook:{team_id}", False)
    with pytest.raises(SendError) as caught:  # the adapter holds nothing: it says how long to wait
        adapter.send(robot, Reply(text="tried"), None)
    assert caught.value.retry_after == 600 and not caught.value.permanent
    sqlite_app.deliver([Reply(text="big deal", target=Target.team(team_id), kind="notice")])
    sqlite_app.deliver([Reply(text="second", target=Target.team(team_id), kind="notice")])
    assert fake.to("/robot/send") == [] and statuses(sqlite_app) == ["pending"] * 2
    clock.advance(minutes=9)
    assert sqlite_app.outbox.dispatch() == 0
    clock.advance(minutes=1)
    assert sqlite_app.outbox.dispatch() == 2
    assert [s.body["text"]["content"] for s in fake.to("/robot/send")] == ["big deal", "second"]


def test_webhook_settings_are_checked(sqlite_app):
    seed(sqlite_app)
    with sqlite_app.db.session() as session:
        with pytest.raises(UserError) as exc:
            set_webhook("East", "https://example.com/hook", ROBOT_SECRET, session=session)
        assert exc.value.code == "dingtalk_bad_webhook"
        with pytest.raises(UserError) as exc:
            set_webhook("East", "https://oapi.dingtalk.com/robot/send?access_token=x", "oops", session=session)
        assert exc.value.code == "dingtalk_bad_secret"
        with pytest.raises(UserError):
            set_webhook("Nope", "https://oapi.dingtalk.com/robot/send?access_token=x", ROBOT_SECRET, session=session)


def test_team_announcements_reach_the_teams_group(sqlite_app, dt_settings, fake, clock):
    adapter = make_adapter(sqlite_app, dt_settings)
    team_id = seed(sqlite_app)
    from bot.services import org

    with sqlite_app.db.session() as session:
        org.set_team_channel(org.get_team(team_id, session=session), "dingtalk", "cidTEAM", "销售群",
                             session=session)
    sqlite_app.deliver([Reply(text="🎉 **Zhang Wei** won", target=Target.team(team_id), kind="announcement")])
    sent = fake.to("/v1.0/robot/groupMessages/send")
    assert sent[0].body["openConversationId"] == "cidTEAM" and sent[0].body["msgKey"] == "sampleMarkdown"
