"""Form definition files: the shipped ones are valid, and a broken one is reported precisely
(file, question id, field, why) by `pacebot forms check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import main
from bot.services.forms.definition import FORMS_DIR, FormError, all_forms, load_file

BROKEN = """\
id: weekly_bad
title: {en: Weekly, zh: 周报}
schedule:
  period: week
  opens: fryday 17:00
  reminders: ["before_deadline soon"]
prefill: [calls, mood]
questions:
  - id: meetings
    type: number
    title: {en: Meetings, zh: 会议}
    min: 10
    max: 2
  - id: outlook
    type: single
    title: {en: Outlook, zh: 预期}
    options:
      - {id: up, label: {en: Up, zh: 上}}
  - id: stars
    type: stars
    title: {en: Stars}
  - id: notes
    type: text
    requird: false
    title: {en: Notes, zh: 备注}
"""


@pytest.fixture
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PACEBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")


def test_shipped_forms_are_valid():
    forms = all_forms()
    assert {"weekly", "monthly"} <= set(forms)
    monthly = forms["monthly"]
    assert monthly.title.zh == "月度述职" and "revenue_target" in monthly.prefill
    assert {q.type for q in forms["weekly"].questions} == {"number", "text", "single", "multi", "rating", "yesno"}


def test_check_ok(env, capsys):
    assert main(["forms", "check"]) == 0
    out = capsys.readouterr().out
    assert "weekly.yaml: ok (weekly, 7 questions, weekly)" in out and "monthly.yaml: ok" in out


def test_broken_file_is_reported_precisely(env, capsys, tmp_path):
    path = tmp_path / "weekly_bad.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 1
    err = capsys.readouterr().err
    lines = [line.removeprefix(f"{path}: ") for line in err.splitlines()]
    assert "schedule → opens: 'fryday 17:00' is not like 'friday 17:00' or 'last_workday 17:00'" in lines
    assert "schedule → reminders: 'before_deadline soon' is not like 'next_workday 09:00' or 'before_deadline 60m'" in lines
    assert any(line.startswith("prefill: unknown number 'mood'") for line in lines)
    assert "question 'meetings': min (10) is greater than max (2)" in lines
    assert "question 'outlook': a single question needs at least 2 options" in lines
    assert any(line.startswith("question 'stars' → type: Input should be 'number'") for line in lines)
    assert "question 'stars' → title → zh: required field missing" in lines
    assert "question 'notes' → requird: unknown field (a typo?)" in lines


def test_bad_yaml_and_missing_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("id: x\ntitle: {en: a, zh: b\n", encoding="utf-8")
    with pytest.raises(FormError) as info:
        load_file(path)
    assert "line" in info.value.problems[0][0] and "not valid YAML" in info.value.problems[0][1]
    with pytest.raises(FormError) as info:
        load_file(tmp_path / "nope.yaml")
    assert "cannot read" in info.value.problems[0][1]
    assert Path(FORMS_DIR / "weekly.yaml").exists()


def test_a_broken_file_is_left_out_not_fatal(tmp_path, caplog):
    (tmp_path / "good.yaml").write_text((FORMS_DIR / "weekly.yaml").read_text(encoding="utf-8")
                                        .replace("id: weekly", "id: good"), encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(BROKEN, encoding="utf-8")
    assert list(all_forms(tmp_path)) == ["good"]
    assert "bad.yaml" in caplog.text and "min (10) is greater than max (2)" in caplog.text
