"""The audit trail's promises: an entry commits or rolls back with its change, and keeps no secret."""

from __future__ import annotations

import csv
from datetime import datetime, timezone

import pytest
from sqlmodel import func, select

from bot.core.errors import UserError
from bot.core.periods import period_from_label
from bot.services import apikeys, audit, targets
from bot.services.audit import CLI, Actor
from bot.services.importing import import_file
from bot.store.tables.audit import AuditEntry
from bot.store.tables.sales import Metric, Person, Target, Team


def count(app, model) -> int:
    with app.db.session() as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_a_rolled_back_change_leaves_no_audit_entry(app, clock):
    with app.db.session() as s:
        team = Team(name="East", created_at=clock())
        s.add(team)
        s.flush()
        team_id = team.id
    with app.db.session() as s:
        targets.set_target("team", team_id, Metric.CALLS, period_from_label("2026-12"), 900, actor=CLI,
                           now=clock(), session=s)
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == 1  # in the change's transaction
        s.rollback()
    assert count(app, Target) == 0 and count(app, AuditEntry) == 0
    with app.db.session() as s:
        targets.set_target("team", team_id, Metric.CALLS, period_from_label("2026-12"), 900, actor=CLI,
                           now=clock(), session=s)
    assert count(app, Target) == 1 and count(app, AuditEntry) == 1


def test_an_import_refused_for_one_bad_row_records_nothing(app, tmp_path):
    with app.db.session() as s:
        s.add(Team(name="East", created_at=app.clock()))
    path = tmp_path / "targets.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["scope", "who", "metric", "period", "value"],
                                  ["team", "East", "calls", "2026-Q4", "24000"],
                                  ["team", "Nowhere", "calls", "2026-Q4", "100"]])
    report = import_file(app, "targets", path, actor=CLI)
    assert not report.applied and count(app, Target) == 0 and count(app, AuditEntry) == 0
    path.write_text("scope,who,metric,period,value\nteam,East,calls,2026-Q4,24000\n", encoding="utf-8")
    assert import_file(app, "targets", path, actor=CLI).applied
    with app.db.session() as s:
        (entry,) = audit.entries(s)
    assert (entry.actor, entry.action, entry.subject) == ("cli", "target.set", "team #1 East · calls 2026-Q4")
    assert audit.changes(entry) == "24000"


def test_api_key_entries_hold_only_the_prefix(app, clock):
    with app.db.session() as s:
        admin = Person(name="Ada Admin", created_at=clock())
        s.add(admin)
        s.flush()
        actor = Actor(admin.id, "console:Ada Admin")
        row, key = apikeys.create("crm", actor=actor, now=clock(), session=s)
        prefix = row.prefix
    with app.db.session() as s:
        apikeys.revoke("crm", actor=CLI, now=clock(), session=s)
        apikeys.revoke("crm", actor=CLI, now=clock(), session=s)  # already revoked: nothing changes
    with app.db.session() as s:
        rows = list(reversed(audit.entries(s)))
    assert [(e.action, e.actor_id, e.actor, e.subject) for e in rows] == [
        ("apikey.create", admin.id, "console:Ada Admin", "api key crm"),
        ("apikey.revoke", None, "cli", f"api key crm ({prefix}…)")]
    assert audit.detail(rows[0]) == (None, {"prefix": prefix})
    assert audit.changes(rows[1]) == "active → revoked"
    assert len(prefix) == 10 and key.startswith(prefix)
    for entry in rows:
        text = " ".join(str(getattr(entry, c)) for c in ("actor", "action", "subject", "detail"))
        assert key not in text and key[10:20] not in text and row.key_hash not in text


def test_since_reads_ages_and_days():
    now = datetime(2026, 11, 26, 2, 0, tzinfo=timezone.utc)
    assert audit.parse_since("7d", now, "Asia/Shanghai") == datetime(2026, 11, 19, 2, 0, tzinfo=timezone.utc)
    assert audit.parse_since("3天", now, "Asia/Shanghai") == datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)
    assert audit.parse_since("2026-11-01", now, "Asia/Shanghai") == datetime(2026, 10, 31, 16, 0,
                                                                              tzinfo=timezone.utc)
    with pytest.raises(UserError):
        audit.parse_since("last week", now, "Asia/Shanghai")


def test_changes_read_as_one_line_cut_for_chat():
    entry = AuditEntry(at=datetime(2026, 11, 26, tzinfo=timezone.utc), actor="cli", action="plan.split",
                       subject="company", detail='{"before": {"value": "1"}, "after": {"value": "2"}}')
    assert audit.changes(entry) == "1 → 2"
    entry.detail = '{"before": null, "after": {"units": {"' + "x" * 300 + '": "1"}}}'
    assert len(audit.changes(entry)) > 300 and audit.changes(entry, 160).endswith("…")
    assert len(audit.changes(entry, 160)) == 160
