"""What the jobs say: the weekly digest's numbers against hand-computed figures, monthly champions with
ties and the hall of fame, and daily nudges that respect holidays, leave and quiet hours."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.delivery.errors import SendError
from bot.schedule.jobs import monthly_champions, nudge, weekly_digest
from bot.store.tables.sales import Activity, Deal, Leave, Metric
from bot.core.periods import PeriodKind, period_containing
from bot.schedule.scheduler import run_job
from bot.services import org, targets
from bot.services.digest import build_digest
from bot.services.audit import CLI
from tests.schedule_helpers import RecordingSender, make_org

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def sender(app, clock):
    s = RecordingSender("slack", clock)
    app.add_sender(s)
    return s


@pytest.fixture(autouse=True)
def chart_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("PACEBOT_CHART_DIR", str(tmp_path / "charts"))  # read when a job runs
    return tmp_path / "charts"


def add_day(s, pid, day, dialed, now):
    s.add(Activity(person_id=pid, day=day, dialed=dialed, connected=dialed // 2, updated_at=now))


def add_deal(s, pid, team_id, day, yuan, now, customer=None):
    s.add(Deal(person_id=pid, team_id=team_id, day=day, amount_cents=yuan * 100, customer=customer, created_at=now))


@pytest.fixture
def week_data(app, clock):
    """Week 2026-W48 (Mon 23 - Sun 29 November) and the week before, in a team on China's calendar."""
    clock.set(datetime(2026, 11, 30, 9, tzinfo=SH))  # Monday 09:00, when the digest goes out
    o = make_org(app)
    ann, bob, cai = o.reps["Ann"], o.reps["Bob"], o.reps["Cai"]
    now = clock()
    november = period_containing(PeriodKind.MONTH, date(2026, 11, 1))
    w48 = period_containing(PeriodKind.WEEK, date(2026, 11, 23))
    with app.db.session() as s:
        # November has 21 working days, W48 five of them: Ann's week targets are 5/21 of the month's.
        targets.set_target("person", ann, Metric.REVENUE, november, 210_000 * 100, actor=CLI, now=now, session=s)
        targets.set_target("person", ann, Metric.CALLS, november, 2_100, actor=CLI, now=now, session=s)
        targets.set_target("person", cai, Metric.DEALS, w48, 2, actor=CLI, now=now, session=s)
        for d in range(23, 28):
            add_day(s, ann, date(2026, 11, d), 100, now)
        for d in range(16, 20):
            add_day(s, ann, date(2026, 11, d), 100, now)
        add_deal(s, ann, o.team_id, date(2026, 11, 24), 30_000, now, "Acme")
        add_deal(s, ann, o.team_id, date(2026, 11, 26), 10_000, now)
        add_deal(s, ann, o.team_id, date(2026, 11, 18), 20_000, now)
        for d in (23, 24, 27):
            add_day(s, bob, date(2026, 11, d), 50, now)
        s.add(Leave(person_id=bob, start=date(2026, 11, 26), end=date(2026, 11, 26)))
    return o


def test_digest_numbers_match_hand_computed_figures(app, week_data):
    o = week_data
    with app.db.session() as s:
        team = org.get_team(o.team_id, session=s)
        d = build_digest(team, period_containing(PeriodKind.WEEK, date(2026, 11, 23)), default_tz="UTC", session=s)
    ann = next(r for r in d.reps if r.name == "Ann")
    revenue, calls = ann.line(Metric.REVENUE), ann.line(Metric.CALLS)
    assert (revenue.actual, revenue.target, revenue.percent, revenue.status) == (40_000, 50_000, 80, "behind")
    assert revenue.shortfall == 10_000 and revenue.previous == 20_000 and revenue.change == 100
    assert (calls.actual, calls.target, calls.percent, calls.status, calls.change) == (500, 500, 100, "done", 25)
    assert ann.missing_days == []
    bob = next(r for r in d.reps if r.name == "Bob")
    assert bob.missing_days == [date(2026, 11, 25)]  # Thursday was leave
    assert bob.line(Metric.REVENUE).change is None and bob.line(Metric.REVENUE).target is None
    cai = next(r for r in d.reps if r.name == "Cai")
    assert cai.missing_days == [date(2026, 11, d) for d in range(23, 28)]
    assert (cai.line(Metric.DEALS).percent, cai.line(Metric.DEALS).shortfall) == (0, 2)
    assert [(name, [x.metric for x in lines]) for name, lines in d.behind] == [
        ("Cai", [Metric.DEALS]), ("Ann", [Metric.REVENUE])]  # the furthest behind first
    team_lines = {line.metric: line for line in d.team_lines}
    assert (team_lines[Metric.REVENUE].actual, team_lines[Metric.REVENUE].target) == (40_000, 50_000)
    assert (team_lines[Metric.CALLS].actual, team_lines[Metric.CALLS].percent) == (650, 130)
    assert team_lines[Metric.CALLS].change == Decimal("62.5")
    assert (team_lines[Metric.DEALS].actual, team_lines[Metric.DEALS].status) == (2, "done")
    assert d.daily_calls == [150, 150, 100, 100, 150, 0, 0]
    assert d.daily_revenue == [0, 30_000, 0, 10_000, 0, 0, 0]
    assert d.pace_revenue == [10_000, 20_000, 30_000, 40_000, 50_000, 50_000, 50_000]
    assert [(name, amount) for name, _, amount in d.deals] == [("Ann", 30_000), ("Ann", 10_000)]


def test_digest_job_sends_each_manager_the_week_with_a_chart_once(app, sender, week_data, chart_dir):
    assert weekly_digest(app, _team(app, week_data), app.clock()) == 1
    assert weekly_digest(app, _team(app, week_data), app.clock()) == 0  # a second run adds nothing
    app.outbox.dispatch()
    assert len(sender.sent) == 1
    address, reply, _ = sender.sent[0]
    assert address.id == "U-MGR" and address.is_direct
    assert reply.title == "Weekly digest · Sales · 2026-W48" and reply.kind == "digest"
    assert Path(reply.image).read_bytes().startswith(b"\x89PNG") and Path(reply.image).parent == chart_dir
    text = reply.text
    for expected in ("revenue: ¥40,000 of ¥50,000 (80%, behind pace) · +100% vs last week",
                     "calls dialed: 650 of 500 (130%, target reached) · +62.5% vs last week",
                     "Cai: deals won 2 short (0% of target)", "Ann: revenue ¥10,000 short (80% of target)",
                     "Bob: Wed 11-25", "Cai: Mon 11-23, Tue 11-24, Wed 11-25, Thu 11-26, Fri 11-27",
                     "11-24 Ann ¥30,000 · Acme", "**Deals this week** (2)"):
        assert expected in text, expected


def test_digest_in_chinese_with_a_cjk_chart(app, sender, week_data):
    with app.db.session() as s:
        manager = s.get(org.Person, week_data.manager_id)
        manager.lang = "zh"
        s.add(manager)
    run_job(app, "digest", week_data.team_id)
    reply = sender.sent[0][1]
    assert reply.title == "周报 · Sales · 2026-W48"
    assert "落后于进度" in reply.text and "Bob：周三 11-25" in reply.text
    assert reply.image.endswith("-zh.png") and Path(reply.image).stat().st_size > 5000


def test_chart_falls_back_when_no_cjk_font_is_installed(tmp_path, monkeypatch, caplog):
    from bot.schedule import chart

    monkeypatch.setattr(chart, "CJK_FONTS", ("No Such Font",))
    chart.cjk_font.cache_clear()
    try:
        path = chart.draw_week(tmp_path / "c.png", title="销售 · 2026-W48", day_labels=["周一"] * 7,
                               revenue=[Decimal(1)] * 7, calls=[1] * 7, pace=None,
                               labels={"revenue": "业绩", "calls": "外呼", "pace": "进度"})
    finally:
        chart.cjk_font.cache_clear()
    assert path.read_bytes().startswith(b"\x89PNG")
    assert "fonts-noto-cjk" in caplog.text


def test_the_serving_scheduler_draws_digest_charts_in_its_chart_processes(app, sender, week_data, chart_dir):
    """`pacebot serve`'s scheduler owns a pool of chart processes, started with the first chart and shut
    down with the scheduler; the digest drawn there carries the same PNG."""
    from bot.schedule.scheduler import SchedulerService

    service = SchedulerService(app)
    assert service.charts._pool is None  # nothing starts before the first chart
    try:
        assert service.runner.run("digest", week_data.team_id) == 1
        assert service.charts._pool is not None  # drawn in the pool's (spawned) processes
    finally:
        service.stop()
    assert service.charts._pool is None
    (_, reply, _), = sender.sent
    assert Path(reply.image).read_bytes().startswith(b"\x89PNG") and Path(reply.image).parent == chart_dir


def _team(app, o):
    with app.db.session() as s:
        return org.get_team(o.team_id, session=s)


@pytest.fixture
def september(app, clock):
    clock.set(datetime(2026, 10, 8, 10, tzinfo=SH))  # first working day of October (after National Day)
    o = make_org(app)
    now = clock()
    ann, bob, cai = o.reps["Ann"], o.reps["Bob"], o.reps["Cai"]
    with app.db.session() as s:
        add_deal(s, ann, o.team_id, date(2026, 9, 10), 100_000, now)
        add_deal(s, bob, o.team_id, date(2026, 9, 11), 60_000, now)
        add_deal(s, bob, o.team_id, date(2026, 9, 12), 40_000, now)
        add_deal(s, cai, o.team_id, date(2026, 9, 14), 50_000, now)
        add_deal(s, cai, o.team_id, date(2026, 10, 8), 500_000, now)  # October: not September's
    return o


def test_monthly_champions_with_ties_announced_and_kept(app, sender, september, chat):
    assert monthly_champions(app, _team(app, september), app.clock()) == 1
    assert monthly_champions(app, _team(app, september), app.clock()) == 0
    app.outbox.dispatch()
    (address, reply, _), = sender.sent
    assert address.id == "C-SALES" and reply.kind == "announcement"
    text = reply.text
    assert "champions of 2026-09" in text
    assert "🥇 **Ann** ¥100,000 · 🥇 **Bob** ¥100,000 (shared)" in text
    assert "🥉 Cai ¥50,000" in text and "🥈" not in text.split("deals won")[0]  # 1, 1, 3
    assert "🥇 **Bob** 2" in text and "🥈 Ann 1" in text and "🥈 Cai 1" in text
    assert "calls" not in text  # nobody logged calls: no champion for it
    with app.db.session() as s:
        ann = s.get(org.Person, september.reps["Ann"])
        org.link_account(ann, "console", "ann", session=s)
    out = chat("ann").say("champions")
    assert "2026-09" in out and "revenue: Ann ¥100,000, Bob ¥100,000 · runner-ups: Cai (3)" in out
    assert "2026-09" in chat("ann").say("champions 2026-09")
    assert "No champions recorded" in chat("ann").say("champions 2026-08")


def test_champions_command_in_chinese(app, september, chat):
    monthly_champions(app, _team(app, september), app.clock())
    with app.db.session() as s:
        org.link_account(s.get(org.Person, september.reps["Bob"]), "console", "bob", session=s)
        person = s.get(org.Person, september.reps["Bob"])
        person.lang = "zh"
        s.add(person)
    out = chat("bob").say("冠军榜")
    assert "冠军榜" in out and "亚军/季军：Cai（第3名）" in out
    assert "2026" in chat("bob").say("冠军榜 上个月")


@pytest.fixture
def evening(app, clock):
    clock.set(datetime(2026, 11, 26, 18, tzinfo=SH))  # Thursday 18:00
    o = make_org(app)
    with app.db.session() as s:
        add_day(s, o.reps["Ann"], date(2026, 11, 26), 80, clock())
        s.add(Leave(person_id=o.reps["Bob"], start=date(2026, 11, 25), end=date(2026, 11, 27)))
    return o


def test_nudge_reminds_only_reps_who_have_not_logged_and_are_not_on_leave(app, sender, evening):
    assert nudge(app, _team(app, evening), app.clock()) == 1
    assert nudge(app, _team(app, evening), app.clock()) == 0
    app.outbox.dispatch()
    (address, reply, _), = sender.sent
    assert address.id == "U-CAI" and address.is_direct
    assert "nothing is logged for today (2026-11-26)" in reply.text
    assert [b.command for b in reply.buttons] == ["log 0", "away 2026-11-26"]


def test_the_nudge_buttons_work_in_one_step(app, evening, chat):
    with app.db.session() as s:
        org.link_account(s.get(org.Person, evening.reps["Cai"]), "console", "cai", session=s)
    out = chat("cai").say("log 0")
    assert "0" in out and "error" not in out.lower()
    assert nudge(app, _team(app, evening), app.clock()) == 0  # Cai has logged now


def test_no_nudge_in_quiet_hours_on_holidays_and_nudges_on_make_up_days(app, sender, evening, clock):
    team = _team(app, evening)
    clock.set(datetime(2026, 11, 26, 22, tzinfo=SH))
    assert nudge(app, team, clock()) == 0  # quiet hours (21:00-08:00)
    clock.set(datetime(2026, 10, 1, 18, tzinfo=SH))
    assert nudge(app, team, clock()) == 0  # National Day
    clock.set(datetime(2026, 10, 10, 18, tzinfo=SH))
    assert nudge(app, team, clock()) == 3  # Saturday, a make-up working day: all three reps
    assert sender.sent == []  # posted, not yet dispatched


def test_a_nudge_not_sent_before_quiet_hours_expires(app, sender, evening, clock):
    sender.fail_next(*[SendError("HTTP 503")] * 3)
    nudge(app, _team(app, evening), clock())
    app.outbox.dispatch()
    clock.set(datetime(2026, 11, 26, 21, 0, tzinfo=SH))
    app.outbox.dispatch()
    from tests.delivery.test_outbox import rows

    assert [r.status for r in rows(app)] == ["expired"] and sender.sent == []


def test_job_run_from_the_command_line(app, evening, monkeypatch, capsys, tmp_path):
    from bot.app import main

    monkeypatch.setenv("PACEBOT_DATABASE_URL", app.db.url)
    monkeypatch.chdir(tmp_path)
    # The command line runs on the real clock; what matters here is that it runs and reports.
    assert main(["job", "run", "champions", "--team", "Sales"]) == 0
    assert "champions for Sales" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["job", "run", "nudge", "--team", "Nobody"])
    assert exit_.value.code == 2 and "no team 'Nobody'" in capsys.readouterr().err


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_scheduled_templates_escape_names(lang):
    from bot.chat.i18n import I18n
    from tests.schedule_samples import SCHEDULE_SAMPLES

    text = I18n().render(lang, "digest", currency="CNY", **SCHEDULE_SAMPLES["digest"]())
    assert r"A\*b" in text and r"Acme\_1" in text and "A*b" not in text


def test_the_dashboard_shows_the_same_hall_of_fame(app, september):
    from bot.app import build_server

    team = _team(app, september)
    monthly_champions(app, team, app.clock())
    server, _ = build_server(app, platforms=[])  # the dashboard as `pacebot serve` mounts it
    with app.db.session() as s:
        [(period, entries)] = server.dashboard.fame.periods(s.get(org.Team, september.team_id), session=s)
    server.dashboard.stop()
    assert period == "2026-09"
    revenue = sorted((e.rank, e.name, e.value) for e in entries if e.metric == "revenue")
    assert revenue == [(1, "Ann", 100_000), (1, "Bob", 100_000), (3, "Cai", 50_000)]
