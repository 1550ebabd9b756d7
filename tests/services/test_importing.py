"""Import and export files: good, bad and repeated, CSV and xlsx, and the round trip."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from sqlmodel import select

from bot.services.exporting import export_file, export_rows
from bot.services.importing import import_file, read_table
from bot.store.tables.sales import Account, Activity, Deal, Person, Role, Target, Team
from bot.services.audit import CLI

PEOPLE = [
    ["external_id", "name", "team", "role", "lang", "accounts"],
    ["E001", "Alice Chen", "East", "rep", "en", "wecom:alice slack:U01"],
    ["E002", "Ben Carter", "East", "rep", "en", ""],
    ["", "Grace Hill", "East", "manager", "zh", "wecom:grace"],
]
DEALS = [
    ["external_id", "rep", "day", "amount", "currency", "customer"],
    ["CRM-1", "E001", "2026-11-20", "120000", "", "Acme"],
    ["CRM-2", "wecom:alice", "2026-11-21", "5000.50", "usd", "华为"],
    ["CRM-3", "Ben Carter", "2026-10-02", "88", "", ""],
]
ACTIVITY = [
    ["rep", "day", "dialed", "connected", "talk_minutes"],
    ["E001", "2026-11-24", "80", "32", "135"],
    ["E002", "2026-11-24", "60", "20", ""],
]
TARGETS = [
    ["scope", "who", "metric", "period", "value"],
    ["person", "E001", "revenue", "2026-12", "500000.50"],
    ["team", "East", "calls", "2026-Q4", "24000"],
    ["company", "", "revenue", "2027", "60000000"],
]


def write(path, rows):
    if path.suffix == ".csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        book = openpyxl.Workbook()
        for row in rows:
            book.active.append(row)
        book.save(path)
    return path


def count(app, model):
    with app.db.session() as s:
        return len(s.exec(select(model)).all())


@pytest.fixture(params=[".csv", ".xlsx"])
def ext(request):
    return request.param


def load_all(app, tmp_path, ext):
    for kind, rows in (("people", PEOPLE), ("deals", DEALS), ("activity", ACTIVITY), ("targets", TARGETS)):
        report = import_file(app, kind, write(tmp_path / f"{kind}{ext}", rows), actor=CLI)
        assert report.errors == [] and report.applied, (kind, report.errors)
    return report


def test_good_files_import_and_a_second_import_changes_nothing(app, tmp_path, ext):
    load_all(app, tmp_path, ext)
    with app.db.session() as s:
        alice = s.exec(select(Person).where(Person.name == "Alice Chen")).one()
        grace = s.exec(select(Person).where(Person.name == "Grace Hill")).one()
        assert grace.role == Role.MANAGER and grace.team_id == alice.team_id and grace.lang == "zh"
        assert {a.platform for a in s.exec(select(Account).where(Account.person_id == alice.id))} == {"wecom", "slack"}
        deals = {d.customer: d for d in s.exec(select(Deal))}
        assert deals["华为"].amount_cents == 500_050 and deals["华为"].currency == "USD"
        assert deals["Acme"].currency == "CNY" and deals[None].day == date(2026, 10, 2)
        target = s.exec(select(Target).where(Target.scope == "person")).one()
        assert target.value == 50_000_050 and target.period_start == date(2026, 12, 1)
        assert s.exec(select(Target).where(Target.scope == "company")).one().scope_id == 0
    before = {m: count(app, m) for m in (Person, Account, Team, Deal, Activity, Target)}
    for kind, rows in (("people", PEOPLE), ("deals", DEALS), ("activity", ACTIVITY), ("targets", TARGETS)):
        report = import_file(app, kind, write(tmp_path / f"again-{kind}{ext}", rows), actor=CLI)
        assert report.counts == {"created": 0, "updated": 0, "unchanged": len(rows) - 1}, kind
    assert {m: count(app, m) for m in before} == before


def test_a_changed_row_updates_in_place(app, tmp_path, ext):
    load_all(app, tmp_path, ext)
    changed = [DEALS[0], ["CRM-1", "E001", "2026-11-20", "130000", "", "Acme"]]
    report = import_file(app, "deals", write(tmp_path / f"d{ext}", changed), actor=CLI)
    assert report.counts["updated"] == 1 and count(app, Deal) == 3


def test_every_bad_row_is_reported_and_nothing_is_imported(app, tmp_path, ext):
    import_file(app, "people", write(tmp_path / f"people{ext}", PEOPLE), actor=CLI)
    bad = DEALS + [
        ["CRM-4", "Nobody", "2026-11-20", "100", "", ""],
        ["CRM-5", "E001", "2026-12-24", "-3", "RMBX", ""],
        ["CRM-1", "E002", "2026-11-20", "1", "", ""],
        ["", "E001", "not a day", "1.234", "", ""],
    ]
    report = import_file(app, "deals", write(tmp_path / f"deals{ext}", bad), dry_run=True, actor=CLI)
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(5, "rep"), (6, "day"), (6, "amount"), (6, "currency"), (7, "external_id"),
                     (8, "external_id"), (8, "day"), (8, "amount")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert messages[(7, "external_id")] == "same key as row 2"
    assert messages[(6, "day")] == "2026-12-24 is in the future"
    assert str(report.errors[0]).startswith("row 5, column rep: no person 'Nobody'")
    assert not report.applied and count(app, Deal) == 0
    assert not import_file(app, "deals", tmp_path / f"deals{ext}", actor=CLI).applied  # without --dry-run too
    assert count(app, Deal) == 0


def test_dry_run_of_a_clean_file_counts_but_stores_nothing(app, tmp_path, ext):
    import_file(app, "people", write(tmp_path / f"people{ext}", PEOPLE), actor=CLI)
    report = import_file(app, "deals", write(tmp_path / f"deals{ext}", DEALS), dry_run=True, actor=CLI)
    assert report.errors == [] and report.counts["created"] == 3 and not report.applied
    assert count(app, Deal) == 0


def test_unreadable_files(app, tmp_path):
    from bot.services.importing import FileError

    with pytest.raises(FileError, match="does not exist"):
        import_file(app, "deals", tmp_path / "nope.csv", actor=CLI)
    (tmp_path / "x.xlsx").write_text("not a workbook")
    with pytest.raises(FileError, match="not a readable xlsx"):
        import_file(app, "deals", tmp_path / "x.xlsx", actor=CLI)
    with pytest.raises(FileError, match="use a .csv or .xlsx"):
        import_file(app, "deals", write(tmp_path / "x.csv", DEALS).rename(tmp_path / "x.txt"), actor=CLI)


def test_header_problems(app, tmp_path):
    report = import_file(app, "activity", write(tmp_path / "a.csv", [["rep", "day", "dials"], ["E001", "2026-11-24", "3"]]), actor=CLI)
    assert {(e.row, e.column) for e in report.errors} == {(1, "dialed"), (1, "connected"), (1, "dials")}


def test_export_round_trip(app, tmp_path, ext):
    load_all(app, tmp_path, ext)
    for kind, rows in (("people", PEOPLE), ("deals", DEALS), ("activity", ACTIVITY), ("targets", TARGETS)):
        out = tmp_path / f"export-{kind}{ext}"
        assert export_file(app, kind, out) == len(rows) - 1
        header, body = read_table(out)
        assert header == rows[0]
        exported = [[cells[c] for c in header] for _, cells in body]
        report = import_file(app, kind, out, actor=CLI)
        assert report.counts["unchanged"] == len(rows) - 1 and report.counts["created"] == 0, kind
        if kind == "deals":
            assert exported[1] == ["CRM-2", "E001", "2026-11-21", "5000.5", "USD", "华为"]
        if kind == "people":
            assert exported[0] == ["E001", "Alice Chen", "East", "rep", "en", "slack:U01 wecom:alice"]
            assert exported[2][0] == "" and exported[2][5] == "wecom:grace"


def test_deals_logged_in_chat_export_and_reimport_as_themselves(app, tmp_path, chat):
    admin = chat("admin", name="Ada Admin", lang="en")
    chat("alice", name="Alice Chen", lang="en").say("help")
    admin.say("team create East")
    admin.say('team add "Alice Chen" East')
    chat("alice").say("won 50k Acme")
    [row] = export_rows(app, "deals")
    assert row["external_id"].startswith("pacebot:") and row["rep"] == "console:alice"
    assert row["amount"] == Decimal("50000")
    export_file(app, "deals", tmp_path / "d.csv")
    assert import_file(app, "deals", tmp_path / "d.csv", actor=CLI).counts["unchanged"] == 1
    assert count(app, Deal) == 1
