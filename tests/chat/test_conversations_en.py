"""Whole conversations in English through the console adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.store.tables.sales import Activity, Deal, Person, Role, Target, TeamChannel


@pytest.fixture
def org(chat):
    """An admin builds a team from chat: a manager, two reps and an announcement channel."""
    admin = chat("admin", name="Ada Admin", lang="en")
    manager = chat("mgr", name="Grace Hill", lang="en")
    alice = chat("alice", name="Alice Chen", lang="en")
    ben = chat("ben", name="Ben Carter", lang="en")
    for person in (manager, alice, ben):
        assert "What I can do" in person.say("help")
    assert "Team East created" in admin.say('team create East Asia/Shanghai')
    for name in ("Grace Hill", "Alice Chen", "Ben Carter"):
        assert "is now in East" in admin.say(f'team add "{name}" East')
    assert "Grace Hill is now a manager of East" in admin.say('team manager "Grace Hill"')
    floor = chat("mgr", channel="east-floor")
    assert "announcements" in floor.say("team channel")
    return {"admin": admin, "manager": manager, "alice": alice, "ben": ben, "floor": floor}


def rows(app, model, **where):
    with app.db.session() as s:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(s.exec(stmt).all())


def test_first_contact_registers_and_explains_how_to_join(chat, app):
    out = chat("newbie", name="Nia New", lang="en").say("me")
    assert "Hi Nia New" in out and "team add Nia New" in out
    assert "not in a team yet" in out
    [person] = rows(app, Person, name="Nia New")
    assert person.role == Role.REP and person.lang == "en"


def test_log_correct_and_undo(org, app):
    alice = org["alice"]
    out = alice.say("log 80 32 2h15m")
    assert "Logged today: 80 dials, 32 connected (40%), 2h15m talk" in out
    assert "[1] Undo" in out
    out = alice.say("log 90 32 2h15m")
    assert "Corrected: dials 80 → 90" in out
    [row] = rows(app, Activity)
    assert (row.dialed, row.connected, row.talk_minutes, row.day) == (90, 32, 135, date(2026, 11, 26))
    out = alice.say("undo")
    assert "Undone" in out
    [row] = rows(app, Activity)
    assert row.dialed == 80
    alice.say("undo")
    assert rows(app, Activity) == []
    assert "nothing of yours" in alice.say("undo")


def test_sentence_logs_day_and_deal_and_button_undoes_it(org, app):
    alice = org["alice"]
    out = alice.say("80 dials, 32 connected, 2h15m talk, closed Acme for 120k")
    assert "80 dials, 32 connected" in out and "¥120,000" in out and "Acme" in out
    assert "[#east-floor] 🎉 Alice Chen just closed ¥120,000 with Acme!" in out
    assert len(rows(app, Deal)) == 1
    out = alice.say("1")  # the numbered choice "Undo"
    assert "1 deal removed" in out
    assert rows(app, Deal)[0].voided and rows(app, Activity) == []


def test_unreadable_sentence_stores_nothing(org, app):
    out = org["alice"].say("80 dials, 32 connected, bought a unicorn")
    assert "bought a unicorn" in out and "Nothing was saved" in out
    assert rows(app, Activity) == [] and rows(app, Deal) == []


def test_won_is_announced_and_answered_with_progress(org, app):
    org["manager"].say('target "Alice Chen" revenue 500k month')
    out = org["alice"].say("won 120k Acme")
    assert "Deal recorded: ¥120,000 with Acme" in out
    assert "[#east-floor] 🎉 Alice Chen just closed ¥120,000 with Acme!" in out
    assert "This month: ¥120,000 of ¥500,000 (24%) ▰▰▱▱▱▱▱▱▱▱ · 1 deal · #1 of 2 in the team\nTo hit target" in out
    assert "per working day" in out
    [deal] = rows(app, Deal)
    assert deal.amount_cents == 12_000_000 and deal.customer == "Acme"


def test_me_shows_pace_projection_rank_and_bonus(org, app):
    org["manager"].say('target "Alice Chen" revenue 500k month')
    org["manager"].say('target "Alice Chen" calls 1600')
    org["alice"].say("won 380k Initech 2026-11-20")
    org["alice"].say("log 80 30 2h")
    org["ben"].say("won 400k Globex")
    out = org["alice"].say("me")
    # November 2026 in China: 21 working days, 19 elapsed on the 26th.
    assert "Revenue: ¥380,000 / ¥500,000 · 76%" in out
    assert "should be at ¥452,380.95 by now (19 of 21 working days): 🔻 ¥72,380.95 behind" in out
    assert "Projection: ¥420,000 (84%) · need ¥60,000 per working day · #2 of 2" in out
    assert "Calls dialed: 80 / 1,600" in out
    assert "Connected: 30 (no target set)" in out
    assert "Bonus: at this pace (84% of your revenue target) you earn 0.5× the bonus" in out


def test_leaderboard_marks_own_line_and_ranks_by_percent(org, app):
    org["manager"].say('target "Alice Chen" revenue 100k')
    org["manager"].say('target "Ben Carter" revenue 400k')
    org["alice"].say("won 90k Acme")
    org["ben"].say("won 200k Globex")
    out = org["alice"].say("top")
    assert out.index("Ben Carter") < out.index("Alice Chen ← you")
    out = org["alice"].say("top revenue %")
    assert out.index("Alice Chen ← you · 90%") < out.index("Ben Carter · 50%")


def test_leaderboard_in_group_sends_own_rank_privately(org, chat, app):
    org["alice"].say("won 90k Acme")
    out = chat("ben", channel="east-floor").say("top")
    assert "🥇 Alice Chen" in out
    assert "[→ Ben Carter]" in out and "you are #2 of 2" in out


def test_only_managers_set_targets(org, app):
    out = org["alice"].say("target team revenue 1m")
    assert "Only managers can do that" in out
    assert rows(app, Target) == []
    out = org["manager"].say("target team revenue 1m quarter")
    assert "Team East: revenue target for 2026-Q4 set to ¥1,000,000" in out
    out = org["manager"].say("target team revenue 1.2m quarter")
    assert "(was ¥1,000,000)" in out
    [target] = rows(app, Target)
    assert target.value == 120_000_000


def test_away_days_leave_the_pace(org, app):
    org["manager"].say('target "Alice Chen" calls 2100')
    before = org["alice"].say("me")
    assert "(19 of 21 working days)" in before
    out = org["alice"].say("away 2026-11-23..2026-11-24")
    assert "Off 2026-11-23 → 2026-11-24 (2 days)" in out
    after = org["alice"].say("me")
    assert "(17 of 19 working days)" in after and "2 days off left out" in after
    assert "2026-11-23" in org["alice"].say("away")
    assert "Removed 1 day" in org["alice"].say("away cancel 2026-11-24")


def test_language_switch_and_help(org):
    out = org["alice"].say("lang zh")
    assert "以后我用中文" in out
    assert "我能做什么" in org["alice"].say("帮助")
    assert "What I can do" in org["alice"].say("lang en") + org["alice"].say("help")
    assert "Examples:" in org["alice"].say("help won")


def test_team_views(org):
    out = org["alice"].say("team")
    assert "East" in out and "Grace Hill (manager)" in out and "console #east-floor" in out
    assert "East: 3 members" in org["admin"].say("team list")


def test_nobody_makes_themselves_admin_or_manager(org, app):
    assert "Only managers" in org["alice"].say('team manager "Alice Chen"')
    assert "Only managers" in org["manager"].say('team link "Alice Chen" slack:U1')
    [alice] = rows(app, Person, name="Alice Chen")
    assert alice.role == Role.REP


def test_admin_links_platform_accounts_to_one_person(org, app, chat):
    org["admin"].say('team link "Alice Chen" slack:U0ALICE')
    with app.db.session() as s:
        from bot.services.org import find_account

        assert find_account("slack", "U0ALICE", session=s).name == "Alice Chen"


def test_channel_must_be_set_in_a_channel(org, app):
    assert "in the group channel" in org["manager"].say("team channel")
    assert len(rows(app, TeamChannel)) == 1


def test_retried_event_is_handled_once(org, app):
    from bot.chat.messages import Incoming

    msg = Incoming(platform="console", user_id="alice", text="won 10k Acme", channel_id="dm-alice", event_id="E1")
    assert app.handle(msg)
    assert app.handle(msg) == []
    assert len(rows(app, Deal)) == 1
    assert Decimal(rows(app, Deal)[0].amount_cents) / 100 == Decimal("10000")


def test_company_leaderboard_spans_teams(org, chat):
    org["admin"].say("team create West")
    carl = chat("carl", name="Carl West", lang="en")
    carl.say("help")
    org["admin"].say('team add "Carl West" West')
    carl.say("won 300k Hooli")
    org["alice"].say("won 100k Acme")
    out = org["alice"].say("top company")
    assert "Whole company · revenue" in out
    assert out.index("Carl West") < out.index("Alice Chen ← you")
    assert "Carl West" not in org["alice"].say("top")


def test_first_messages_arriving_together_register_one_person(app):
    """Platforms deliver a newcomer's first messages concurrently; both get answered, one person."""
    import threading

    from bot.chat.messages import Incoming

    barrier = threading.Barrier(4)
    answers = []

    def first_message(n):
        barrier.wait()
        answers.append(app.handle(Incoming(platform="slack", user_id="U0NEW", text="help", channel_id="D1",
                                           event_id=f"E{n}", user_name="Nia New")))

    threads = [threading.Thread(target=first_message, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rows(app, Person, name="Nia New")) == 1
    assert all(any("What I can do" in r.text for r in replies) for replies in answers)
