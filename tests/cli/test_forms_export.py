"""`pacebot forms export`: one row per rep, the submitted answers only, CSV and xlsx."""

from __future__ import annotations

import csv

import openpyxl

from bot.services.forms.definition import get_form
from bot.services.forms.export import export_answers
from tests.forms_helpers import FRIDAY_1730, make_form_org


def test_export_csv_and_xlsx(app, chat, clock, tmp_path):
    clock.set(FRIDAY_1730)
    make_form_org(app)
    ann = chat("ann")
    ann.say("report")
    for answer in ("12", "Signed Acme, 谢谢", "1,3", "2", "4", "yes", "skip"):
        ann.say(answer)
    ann.say("submit")
    bob = chat("bob")
    bob.say("report")
    bob.say("3")  # started, not submitted: nothing of it is exported
    form = get_form("weekly")
    path = tmp_path / "w48.csv"
    assert export_answers(app, form, "2026-W48", path) == 3
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["person"], r["status"]) for r in rows] == [("Ann", "submitted"), ("Bob", "started"), ("Cai", "missing")]
    ann_row = rows[0]
    assert ann_row["meetings"] == "12" and ann_row["highlights"] == "Signed Acme, 谢谢"
    assert ann_row["blockers"] == "Not enough leads, Product gaps" and ann_row["forecast"] == "On track"
    assert ann_row["confidence"] == "4/5" and ann_row["need_help"] == "yes" and ann_row["notes"] == ""
    assert ann_row["calls"] == "0" and ann_row["submitted_at"] == "2026-11-27 17:30" and ann_row["late"] == ""
    assert rows[1]["meetings"] == ""

    xlsx = tmp_path / "w48.xlsx"
    assert export_answers(app, form, "2026-W48", xlsx) == 3
    sheet = openpyxl.load_workbook(xlsx).active
    values = list(sheet.values)
    assert values[0][:3] == ("team", "person", "status") and "How many customer meetings" in values[1][values[0].index("meetings")]
    assert values[2][1] == "Ann" and values[2][values[0].index("blockers")] == "Not enough leads, Product gaps"
