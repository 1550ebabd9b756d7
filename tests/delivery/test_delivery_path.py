"""One durable path for every outbound message: a private answer never becomes public, a DingTalk robot's
130101 block survives a restart of every process, the rate limiter is shared by processes, and an
answer to the person who spoke goes out within the call that handled it. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from adapters.dingtalk.webhooks import set_webhook
from bot.app import App
from bot.store.db import Database
from bot.delivery.limiter import Bucket, Limiter, Window
from bot.chat.messages import Reply, Target
from bot.store.tables.schedule import OutboxMessage
from tests.conftest import make_settings
from tests.dingtalk_fake import ROBOT_SECRET
from tests.dingtalk_support import dt_settings, fake, make_adapter, seed  # noqa: F401
from tests.fakes.slack_workspace import CHANNEL, REP, fake_slack, slack, slack_app  # noqa: F401
from tests.schedule_helpers import RecordingSender, make_org
from tests.adapters.slack.test_slack_flows import setup_team

ROOT = Path(__file__).resolve().parents[2]


def outbox_rows(db) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def channel_posts_saying(fake, text: str) -> list[dict]:
    """chat.postMessage calls to the team channel that carried `text` (whatever Slack answered)."""
    return [c.args for c in fake.sent("chat.postMessage")
            if c.args.get("channel") == CHANNEL and text in (c.args.get("text") or "")]


# -- privacy -----------------------------------------------------------------------------------------
def ask_me_while_response_url_is_throttled(slack, times: int):
    setup_team(slack)
    slack.command(REP, "log 80 32 2h15m")
    slack.app.background.drain()
    slack.fake.fail("response_url", 429, times=times, retry_after=5)
    assert slack.command(REP, "me")[0] == 200
    slack.app.background.drain()
    first = slack.fake.sent("response_url")[-1]
    assert first.args["_status"] == 429 and first.args["response_type"] == "ephemeral"
    answer = [r for r in outbox_rows(slack.app.db) if r.attempts and r.status != "sent"]
    assert len(answer) == 1
    return first.args["text"], answer[0]


def test_a_private_answer_throttled_at_its_response_url_is_delivered_privately_later(slack):
    text, row = ask_me_while_response_url_is_throttled(slack, times=3)
    assert "Alice" in text or "80" in text  # the rep's own numbers
    # Kept private with its origin: addressed to the rep, not to the channel.
    assert (row.private, row.is_direct, row.address_id, row.status) == (True, True, REP, "pending")
    assert "response_url" in row.origin
    for _ in range(3):
        slack.app.clock.advance(seconds=5)
        slack.app.outbox.dispatch()
    calls = slack.fake.sent("response_url")
    assert [c.args["_status"] for c in calls[-3:]] == [429, 429, 200]
    assert calls[-1].args["response_type"] == "ephemeral" and calls[-1].args["text"] == text
    assert channel_posts_saying(slack.fake, text) == []  # never a channel message
    assert outbox_rows(slack.app.db)[-1].status == "sent"


def test_a_private_answer_that_cannot_go_privately_is_recorded_never_posted(slack, capsys, monkeypatch):
    slack.fake.fail("chat.postEphemeral", 429, times=20, retry_after=5)
    text, row = ask_me_while_response_url_is_throttled(slack, times=20)
    for _ in range(slack.app.outbox.max_attempts + 2):
        slack.app.clock.advance(seconds=5)
        slack.app.outbox.dispatch()
    # Five tries at the response_url (all it allows), then chat.postEphemeral: private routes only.
    assert [c.args["_status"] for c in slack.fake.sent("response_url")[-5:]] == [429] * 5
    assert slack.fake.sent("chat.postEphemeral")[-1].args["user"] == REP
    assert channel_posts_saying(slack.fake, text) == []
    assert not [c for c in slack.fake.sent("chat.postMessage") if c.args.get("channel") == CHANNEL
                and c.at > slack.fake.sent("response_url")[-5].at]
    failed = [r for r in outbox_rows(slack.app.db) if r.id == row.id][0]
    assert failed.status == "failed" and "rate limited" in failed.last_error
    from bot.app import main

    monkeypatch.setenv("PACEBOT_DATABASE_URL", slack.app.db.url)
    monkeypatch.chdir(ROOT / "tests")  # no .env file here
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith(f"#{row.id} "))
    assert "failed" in line and f"slack:{REP} private" in line and "rate limited" in line


# -- DingTalk's 130101 across a restart ---------------------------------------------------------------
def dingtalk_process(url, clock, dt_settings):
    """A fresh process: its own App, engine and adapter on the same database."""
    app = App(make_settings(PACEBOT_DATABASE_URL=url, PACEBOT_ADMINS="dingtalk:boss"), db=Database(url),
              clock=clock)
    make_adapter(app, dt_settings)
    return app


def test_a_throttled_dingtalk_robot_gets_every_message_once_in_order_after_a_restart(db, clock, fake,
                                                                                     dt_settings):
    first = dingtalk_process(db.url, clock, dt_settings)
    team_id = seed(first)
    with first.db.session() as session:
        set_webhook("East", fake.robot_webhook, ROBOT_SECRET, session=session)
    fake.robot_throttled_until = clock() + timedelta(minutes=10)  # 130101 for ten minutes
    say = lambda app, n: app.deliver([Reply(text=f"deal {n}", target=Target.team(team_id),  # noqa: E731
                                            kind="notice", key=f"deal:{n}")])
    for n in range(5):
        say(first, n)
    assert fake.to("/robot/send") == []
    assert [r.status for r in outbox_rows(db)] == ["pending"] * 5  # waiting in the database, none "sent"
    first.db.dispose()
    del first  # every process stops; nothing was held in memory

    clock.advance(minutes=5)
    second = dingtalk_process(db.url, clock, dt_settings)
    say(second, 5)  # a new message during the block: the block is known from the database
    assert second.outbox.dispatch() == 0
    assert fake.to("/robot/send") == [] and outbox_rows(db)[-1].attempts == 0  # not even tried
    clock.advance(minutes=5)
    assert second.outbox.dispatch() == 6
    assert second.outbox.dispatch() == 0
    assert [s.body["text"]["content"] for s in fake.to("/robot/send")] == [f"deal {n}" for n in range(6)]
    assert {r.status for r in outbox_rows(db)} == {"sent"}
    second.db.dispose()


# -- one limiter for every process --------------------------------------------------------------------
def test_the_limiter_gives_a_window_s_last_place_to_one_process_only(db, clock):
    """Eight processes ask for one channel's next slot at the same instant: exactly one gets it."""
    engines = [Database(db.url) for _ in range(8)]
    bucket = Bucket("slack", "C1", (Window(1, 1.0),))
    barrier, got = threading.Barrier(8), []

    def ask(database):
        barrier.wait()
        got.append(Limiter(database, clock).acquire(bucket))

    threads = [threading.Thread(target=ask, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert got.count(None) == 1
    assert set(got) - {None} == {clock() + timedelta(seconds=1)}
    for e in engines:
        e.dispose()


def test_two_processes_space_one_channel_s_messages_and_never_double_one(db, clock):
    apps = [App(make_settings(PACEBOT_DATABASE_URL=db.url), db=Database(db.url), clock=clock) for _ in range(2)]
    senders = [RecordingSender("slack", clock) for _ in apps]
    for app, sender in zip(apps, senders):
        app.add_sender(sender)
    o = make_org(apps[0], reps=())
    apps[0].outbox.post([Reply(text=f"n{n}", target=Target.team(o.team_id), kind="notice", key=f"n:{n}")
                         for n in range(8)])
    apps[1].outbox.post([Reply(text=f"n{n}", target=Target.team(o.team_id), kind="notice", key=f"n:{n}")
                         for n in range(8)])  # both processes posted the same: still one row each
    for _ in range(12):  # both dispatch at once, every second
        threads = [threading.Thread(target=a.outbox.dispatch) for a in apps]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        clock.advance(seconds=1)
    sent = sorted((at, reply.text) for s in senders for _, reply, at in s.sent)
    assert sorted(text for _, text in sent) == sorted(f"n{n}" for n in range(8))  # each exactly once
    times = [at for at, _ in sent]
    assert all(b - a >= timedelta(seconds=1) for a, b in zip(times, times[1:]))  # Slack's 1/s per channel
    for app in apps:
        app.db.dispose()


def test_a_platform_s_retry_after_holds_the_bucket_back_for_every_process(db, clock):
    apps = [App(make_settings(PACEBOT_DATABASE_URL=db.url), db=Database(db.url), clock=clock) for _ in range(2)]
    senders = [RecordingSender("slack", clock) for _ in apps]
    for app, sender in zip(apps, senders):
        app.add_sender(sender)
    o = make_org(apps[0], reps=())
    from bot.delivery.errors import SendError

    senders[0].fail_next(SendError("ratelimited", retry_after=30))
    apps[0].deliver([Reply(text="first", target=Target.team(o.team_id), kind="notice")])
    clock.advance(seconds=5)
    apps[1].deliver([Reply(text="second", target=Target.team(o.team_id), kind="notice")])
    assert senders[1].sent == []  # the other process knows the channel must wait
    clock.advance(seconds=25)
    for _ in range(3):
        apps[1].outbox.dispatch()
        clock.advance(seconds=1)
    assert [r.text for _, r, _ in senders[1].sent] == ["first", "second"]
    for app in apps:
        app.db.dispose()


# -- an answer goes out at once -----------------------------------------------------------------------
def test_an_answer_goes_out_within_the_call_that_handled_it(slack):
    assert slack.app.outbox._thread is None  # no dispatcher loop runs in this test
    setup_team(slack)
    before = len(slack.fake.sent("response_url"))
    slack.command(REP, "me")
    slack.app.background.drain()  # the handling call itself, nothing after it
    answer = slack.fake.sent("response_url")[before:]
    assert len(answer) == 1 and answer[0].args["response_type"] == "ephemeral"
    row = outbox_rows(slack.app.db)[-1]
    assert row.status == "sent" and row.sent_at == row.created_at  # on record, and sent at once


def test_a_console_answer_is_printed_by_the_call_itself(app, chat):
    out = chat("ann", name="Ann").say("help")
    assert out  # printed before `say` returned
    rows = outbox_rows(app.db)
    assert rows and {r.status for r in rows} == {"sent"} and all(r.origin for r in rows)


def test_a_retry_after_of_zero_is_tried_again_at_once(app):
    sender = RecordingSender("flaky", app.clock)  # a platform without send limits of its own
    app.add_sender(sender)
    from bot.delivery.errors import SendError
    from bot.chat.messages import Incoming

    sender.fail_next(SendError("ratelimited", retry_after=0))
    origin = Incoming(platform="flaky", user_id="U1", text="me", channel_id="D1", is_direct=True)
    app.deliver([Reply(text="your score")], origin=origin)
    assert [r.text for _, r, _ in sender.sent] == ["your score"]


def test_old_sends_and_spent_one_off_buckets_are_forgotten(db, clock):
    limiter = Limiter(db, clock)
    channel = Bucket("slack", "C1", (Window(1, 1.0),))
    once = Bucket("slack", "response_url:abc", (Window(5, 1800.0),))
    assert limiter.acquire(channel) is None and limiter.acquire(once) is None
    clock.advance(days=1, seconds=1)
    assert limiter.prune() == 3  # two sends and the one-off bucket; the channel's bucket stays
    with db.session() as session:
        from bot.store.tables.schedule import SendLog, SendRate

        assert session.exec(select(SendLog)).all() == []
        assert [r.bucket for r in session.exec(select(SendRate)).all()] == ["C1"]
    assert limiter.acquire(once) is None  # made again if ever needed


# -- a reply in several messages ------------------------------------------------------------------------
def test_a_long_announcement_refused_part_way_goes_on_from_there_in_another_process(slack):
    """A digest too big for one Slack message goes as three; the second gets a 429. The row keeps how many
    went, and a dispatcher of another process sends the rest: every part once, in order, in the channel."""
    from bot.app import build_adapters

    setup_team(slack)
    app = slack.app
    with app.db.session() as session:
        from bot.services import org

        team = org.team_by_name("Sales", session=session)
    posted = len(slack.fake.sent("chat.postMessage"))
    slack.fake.fail("chat.postMessage", 429, times=1, retry_after=30, after=1)
    text = "\n---\n".join(f"part {n} " + "z" * 9000 for n in range(3))
    app.deliver([Reply(text=text, target=Target.team(team.id), kind="notice", key="digest:long")])
    row = [r for r in outbox_rows(app.db) if r.key.startswith("digest:long")][0]
    assert (row.status, row.parts_sent) == ("pending", 1)

    app.clock.advance(seconds=31)
    other = App(app.settings, db=Database(app.db.url), clock=app.clock)  # another process: nothing in memory
    build_adapters(other, ["slack"])
    assert other.outbox.dispatch() == 1
    other.db.dispose()
    calls = slack.fake.sent("chat.postMessage")[posted:]
    delivered = [c.args["blocks"][0]["text"]["text"][:6] for c in calls if c.args["_status"] == 200]
    assert delivered == ["part 0", "part 1", "part 2"]  # part 0 not posted twice
    assert all(c.args["channel"] == CHANNEL for c in calls)
