"""Leaderboards ranked in the database: ties, per cent of target, the asker outside the top rows."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

from bot.store.tables.sales import Activity, Deal, Metric, Person, Role, Target, Team
from bot.core.periods import PeriodKind, period_containing
from bot.services.boards import board

NOW = datetime(2026, 11, 26, 2, tzinfo=timezone.utc)
MONTH = period_containing(PeriodKind.MONTH, date(2026, 11, 26))


def make_team(db, calls: dict[str, int], goals: dict[str, int] | None = None, manager_calls: int = 0,
              manager_sells: bool = False):
    ids = {}
    with db.session() as s:
        team = Team(name="T", created_at=NOW)
        s.add(team)
        s.flush()
        boss = Person(name="Boss", role=Role.MANAGER, sells=manager_sells, team_id=team.id, created_at=NOW)
        s.add(boss)
        s.flush()
        ids["Boss"] = boss.id
        if manager_calls:
            s.add(Activity(person_id=boss.id, day=date(2026, 11, 2), dialed=manager_calls, updated_at=NOW))
        for name, dialed in calls.items():
            p = Person(name=name, team_id=team.id, created_at=NOW)
            s.add(p)
            s.flush()
            ids[name] = p.id
            if dialed:
                s.add(Activity(person_id=p.id, day=date(2026, 11, 3), dialed=dialed, updated_at=NOW))
                s.add(Activity(person_id=p.id, day=date(2026, 10, 30), dialed=999, updated_at=NOW))  # other month
            if goals and name in goals:
                s.add(Target(scope="person", scope_id=p.id, metric="calls", period_kind="month",
                             period_start=MONTH.start, value=goals[name], updated_at=NOW))
        team_id = team.id
    return team_id, ids


def ranks(result):
    return [(row.rank, row.name, row.value) for row in result.rows]


def test_ties_share_a_rank_and_the_next_is_skipped(db):
    team, _ = make_team(db, {"A": 50, "B": 80, "C": 80, "D": 10})
    with db.session() as s:
        result = board(team, Metric.CALLS, MONTH, by_percent=False, limit=None, me=None, session=s)
    assert ranks(result) == [(1, "B", 80), (1, "C", 80), (3, "A", 50), (4, "D", 10)]
    assert result.total == 4


def test_managers_compete_only_with_numbers(db):
    team, _ = make_team(db, {"A": 5})
    with db.session() as s:
        assert [r.name for r in board(team, Metric.CALLS, MONTH, by_percent=False, limit=None, me=None,
                                      session=s).rows] == ["A"]


def test_manager_who_sells_is_ranked(db):
    team, _ = make_team(db, {"A": 5}, manager_calls=7, manager_sells=True)
    with db.session() as s:
        assert ranks(board(team, Metric.CALLS, MONTH, by_percent=False, limit=None, me=None, session=s)) == [
            (1, "Boss", 7), (2, "A", 5)]


def test_manager_who_does_not_sell_is_not_ranked_even_with_numbers(db):
    team, _ = make_team(db, {"A": 5}, manager_calls=7, manager_sells=False)
    with db.session() as s:
        assert ranks(board(team, Metric.CALLS, MONTH, by_percent=False, limit=None, me=None, session=s)) == [
            (1, "A", 5)]


def test_percent_ranking_puts_people_without_target_last_unranked(db):
    team, _ = make_team(db, {"A": 50, "B": 80, "C": 30}, goals={"A": 50, "B": 160})
    with db.session() as s:
        result = board(team, Metric.CALLS, MONTH, by_percent=True, limit=None, me=None, session=s)
    assert [(r.rank, r.name, r.percent) for r in result.rows] == [
        (1, "A", Decimal("100.0")), (2, "B", Decimal("50.0")), (None, "C", None)]


def test_limit_keeps_the_askers_own_row(db):
    team, ids = make_team(db, {f"R{i}": 100 - i for i in range(8)})
    with db.session() as s:
        result = board(team, Metric.CALLS, MONTH, by_percent=False, limit=3, me=ids["R6"], session=s)
    assert [r.name for r in result.rows] == ["R0", "R1", "R2"]
    assert result.mine.name == "R6" and result.mine.rank == 7 and result.total == 8


def test_revenue_board_counts_only_this_period_and_live_deals(db):
    team, ids = make_team(db, {"A": 0, "B": 0})
    with db.session() as s:
        s.add(Deal(person_id=ids["A"], team_id=team, day=date(2026, 11, 5), amount_cents=500_00, created_at=NOW))
        s.add(Deal(person_id=ids["B"], team_id=team, day=date(2026, 11, 5), amount_cents=900_00, voided=True,
                   created_at=NOW))
        s.add(Deal(person_id=ids["B"], team_id=team, day=date(2026, 10, 5), amount_cents=900_00, created_at=NOW))
    with db.session() as s:
        result = board(None, Metric.REVENUE, MONTH, by_percent=False, limit=None, me=None, session=s)
    assert ranks(result) == [(1, "A", Decimal("500")), (2, "B", Decimal("0"))]
