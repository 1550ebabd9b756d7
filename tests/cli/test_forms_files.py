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


def _form_yaml(questions: str, intro: str = "") -> str:
    return ("id: big\ntitle: {en: Big, zh: 大表}\n" + intro
            + "schedule: {period: week, opens: 'friday 17:00'}\nquestions:\n" + questions)


def test_a_valid_form_that_breaks_slack_modal_limits_is_reported_per_field(env, capsys, tmp_path):
    """Each limit Slack's modal enforces is named with its question and field, in both languages."""
    options = "".join(f"      - {{id: o{n}, label: {{en: Option {n}, zh: 选项{n}}}}}\n" for n in range(120))
    long_label = "x" * 80
    questions = (
        "  - id: region\n    type: single\n    title: {en: Region, zh: 区域}\n    options:\n" + options
        + "  - id: story\n    type: text\n    title: {en: Story, zh: 经过}\n    max: 5000\n"
        + "  - id: pick\n    type: multi\n    title: {en: '" + "t" * 2001 + "', zh: 选}\n    options:\n"
        + f"      - {{id: a, label: {{en: {long_label}, zh: 甲}}}}\n      - {{id: b, label: {{en: B, zh: 乙}}}}\n")
    path = tmp_path / "big.yaml"
    path.write_text(_form_yaml(questions), encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 1
    lines = [line.removeprefix(f"{path}: ") for line in capsys.readouterr().err.splitlines()]
    assert ("question 'region' → options: a Slack select takes at most 100 options; this has 120 "
            "(Slack 下拉框最多 100 个选项，这里有 120 个)") in lines
    assert any(line.startswith("question 'story' → max: a Slack text input takes at most 3000 characters")
               for line in lines)
    assert any(line.startswith("question 'pick' → title → en: a Slack modal shows at most 2000 characters")
               for line in lines)
    assert any(line.startswith("question 'pick' → options → 'a' → label → en: a Slack option shows at most 75")
               and "（" not in line and "Slack 选项最多显示 75 个字" in line for line in lines)
    assert not any("→ zh" in line for line in lines)  # the Chinese texts are short enough


def test_a_form_needing_over_100_blocks_is_reported(env, capsys, tmp_path):
    questions = "".join(f"  - id: q{n}\n    type: yesno\n    title: {{en: Q{n}, zh: 问{n}}}\n" for n in range(100))
    path = tmp_path / "big.yaml"
    path.write_text(_form_yaml(questions, intro="intro: {en: Hello, zh: 你好}\n"), encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "questions: a Slack modal holds at most 100 blocks; this form needs 101" in err
    # 99 questions and the intro fit exactly
    path.write_text(_form_yaml(questions.rsplit("  - id: q99", 1)[0], intro="intro: {en: Hello, zh: 你好}\n"),
                    encoding="utf-8")
    assert main(["forms", "check", str(path)]) == 0
