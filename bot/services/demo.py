"""A believable demo org: two teams, a dozen reps, managers, targets and 30 days of numbers.

Deterministic (seeded by person and day) and idempotent: a second run adds only days that passed since.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from sqlmodel import Session, select

from bot.core.clock import local_today
from bot.store.tables.sales import Activity, Deal, Metric, Person, Role
from bot.core.periods import PeriodKind, period_containing
from bot.services.forms import store as forms_store
from bot.services import champions, org, targets
from bot.core.workcal import calendar_for

DEMO_REP = "demo-rep-1"  # 张伟, in a Chinese-speaking team
DEMO_REP_EN = "demo-rep-7"  # Alice Chen, in an English-speaking team
DEMO_MANAGER = "demo-manager-1"
DAYS = 30
CUSTOMERS = ["华为", "腾讯", "美团", "京东", "小米", "比亚迪", "Acme", "Globex", "Initech", "Umbrella",
             "Stark Industries", "Wayne Enterprises", "蔚来", "顺丰", "字节跳动", "网易"]
TEAMS = [
    {"name": "华东销售一部", "lang": "zh", "tz": "Asia/Shanghai", "currency": "CNY",
     "manager": ("demo-manager-1", "赵敏"),
     "reps": ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆"]},
    {"name": "Global Accounts", "lang": "en", "tz": "Asia/Shanghai", "currency": "CNY",
     "manager": ("demo-manager-2", "Grace Hill"),
     "reps": ["Alice Chen", "Ben Carter", "Chloe Davis", "Daniel Evans", "Emma Foster", "Frank Green"]},
]
# Monthly targets per rep, in base units; skill varies the actuals around them.
MONTH_TARGETS = {Metric.REVENUE: 500_000 * 100, Metric.DEALS: 8, Metric.CALLS: 1600, Metric.CONNECTED: 600,
                 Metric.TALK: 2400}


def load_demo(app) -> str:
    now = app.clock()
    created = days_added = 0
    with app.db.session() as session:
        rep_number = 0
        for spec in TEAMS:
            team = org.team_by_name(spec["name"], session=session)
            if team is None:
                team = org.create_team(spec["name"], tz=spec["tz"], currency=spec["currency"], lang=spec["lang"],
                                       now=now, session=session)
                created += 1
            today = local_today(now, team.tz)
            account, name = spec["manager"]
            manager = _person(session, account, name, spec["lang"], Role.MANAGER, team.id, now)
            org.set_team_channel(team, "console", f"channel-{_slug(spec['name'])}", _slug(spec["name"]),
                                 session=session)
            reps = []
            for rep_name in spec["reps"]:
                rep_number += 1
                reps.append(_person(session, f"demo-rep-{rep_number}", rep_name, spec["lang"], Role.REP,
                                    team.id, now))
            _targets(session, team, reps, manager, today, now)
            calendar = calendar_for(team.holidays, team.tz)
            for rep in reps:
                days_added += _history(session, rep, team, calendar, today, now)
            # The weekly report (周报), assigned a month ago, so that `report` has a form to fill in.
            if not forms_store.assigned(team.id, session=session):
                forms_store.assign(team.id, "weekly", on=True, now=now - timedelta(days=DAYS), session=session)
            # Last month's champions, so that the hall of fame has something to show from the start.
            last_month = period_containing(PeriodKind.MONTH, today).previous()
            champions.record(team, last_month, champions.compute(team, last_month, session=session),
                             session=session)
    return (f"demo: {created} team(s) created, {days_added} rep-day(s) of activity added "
            f"(chat as {DEMO_REP} or {DEMO_MANAGER})")


def _slug(name: str) -> str:
    return {"华东销售一部": "east-sales-1"}.get(name, name.lower().replace(" ", "-"))


def _person(session: Session, account: str, name: str, lang: str, role: Role, team_id: int, now) -> Person:
    person = org.find_account("console", account, session=session)
    if person is None:
        person = org.register("console", account, name, lang=lang, role=role, now=now, session=session)
        person.team_id = team_id
        session.add(person)
        session.flush()
    return person


def _targets(session, team, reps, manager, today, now) -> None:
    month = period_containing(PeriodKind.MONTH, today)
    week = period_containing(PeriodKind.WEEK, today)
    quarter = period_containing(PeriodKind.QUARTER, today)
    for i, rep in enumerate(reps):
        scale = Decimal(1) + Decimal(i % 3) / 10  # senior reps carry bigger targets
        for metric, value in MONTH_TARGETS.items():
            targets.write_target("person", rep.id, metric, month, int(value * scale), set_by=manager.id, now=now,
                                 session=session)
        targets.write_target("person", rep.id, Metric.CALLS, week, int(400 * scale), set_by=manager.id, now=now,
                             session=session)
    team_month = sum(int(MONTH_TARGETS[Metric.REVENUE] * (1 + Decimal(i % 3) / 10)) for i in range(len(reps)))
    targets.write_target("team", team.id, Metric.REVENUE, month, team_month, set_by=manager.id, now=now,
                         session=session)
    targets.write_target("team", team.id, Metric.REVENUE, quarter, team_month * 3, set_by=manager.id, now=now,
                         session=session)


def _history(session, rep, team, calendar, today, now) -> int:
    logged = set(session.exec(select(Activity.day).where(Activity.person_id == rep.id,
                                                         Activity.day >= today - timedelta(days=DAYS))).all())
    added = 0
    skill = 0.6 + (rep.id * 37 % 70) / 100  # 0.6 .. 1.3, stable per person
    for back in range(DAYS, 0, -1):  # up to yesterday: today is left for the person to log
        day = today - timedelta(days=back)
        if day in logged or not calendar.is_workday(day):
            continue
        rng = random.Random(f"{rep.id}:{day.isoformat()}")
        dialed = int(rng.gauss(80, 12) * skill)
        connected = int(dialed * rng.uniform(0.28, 0.45))
        talk = int(connected * rng.uniform(2.5, 4.5))
        session.add(Activity(person_id=rep.id, day=day, dialed=max(dialed, 0), connected=max(connected, 0),
                             talk_minutes=min(talk, 600), updated_at=now))
        if rng.random() < 0.22 * skill:
            amount = Decimal(rng.randrange(20, 160) * 1000)
            session.add(Deal(person_id=rep.id, team_id=team.id, day=day, amount_cents=int(amount * 100),
                             currency=team.currency, customer=rng.choice(CUSTOMERS), created_at=now))
        added += 1
    session.flush()
    return added
