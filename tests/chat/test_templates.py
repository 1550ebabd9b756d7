"""Every template and catalogue string exists in both languages and renders with sample data."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from bot.chat.i18n import LANGS, I18n, fmt_minutes, fmt_money, fmt_pct, progress_bar
from tests.forms_samples import FORMS_SAMPLES
from tests.schedule_samples import SCHEDULE_SAMPLES

i18n = I18n()


def test_same_templates_and_keys_in_every_language():
    assert i18n.template_names("zh") == i18n.template_names("en")
    assert i18n.keys("zh") == i18n.keys("en")


def test_usage_and_about_for_every_command(app):
    for name in app.router.commands:
        for lang in LANGS:
            assert i18n.t(lang, f"usage.{name}") and i18n.t(lang, f"about.{name}")


SAMPLES = {
    "text": "x", "fragments": ["a", "b"], "code": "c", "team": "T", "day": "2026-11-26", "days": 3,
    "count": 2, "connected": 3, "dialed": 2, "minutes": 2000, "person": "P", "command": "log", "user": "u",
    "name": "N", "period": "2026-11", "metric": "calls", "errcode": "60011",
}


@pytest.mark.parametrize("lang", LANGS)
def test_every_catalogue_string_renders(lang):
    for key in i18n.keys(lang):
        text = i18n.t(lang, key, **SAMPLES)
        assert "{{" not in text and "{%" not in text, key


@pytest.mark.parametrize("lang", LANGS)
def test_every_template_renders_without_leftover_tags(lang):
    """Rendered through real handlers elsewhere; here each one with minimal sample data."""
    from bot.core.pace import Pace
    from bot.core.periods import PeriodKind, period_containing

    pace = Pace(actual=Decimal(5), target=Decimal(10), workdays_total=20, workdays_elapsed=10,
                workdays_remaining=10, percent=Decimal(50), expected_now=Decimal(5), ahead=Decimal(0),
                projection=Decimal(10), projected_percent=Decimal(100), needed_per_day=Decimal("0.5"),
                status="on_pace")
    metric = SimpleNamespace(value="calls")
    line = SimpleNamespace(metric=metric, actual=Decimal(5), target=Decimal(10), pace=pace, rank=1, of=3)
    card = SimpleNamespace(targeted=[line], untargeted=[line], connect_rate=Decimal(40), avg_call_minutes=Decimal(3),
                           avg_deal=Decimal(100), bonus_metric=metric, bonus=SimpleNamespace(multiplier=Decimal(2)),
                           bonus_percent=Decimal(101), days_off=2,
                           period=period_containing(PeriodKind.MONTH, date(2026, 11, 26)))
    row = SimpleNamespace(rank=1, person_id=1, name="A*b", value=Decimal(5), percent=Decimal(50))
    team = SimpleNamespace(name="T", tz="Asia/Shanghai", currency="CNY", holidays=None)
    person = SimpleNamespace(name="P", role=SimpleNamespace(value="manager"), sells=True)
    result = SimpleNamespace(after={"dialed": 5, "connected": 2, "talk_minutes": 30},
                             before={"dialed": 4, "connected": 2, "talk_minutes": 30})
    deal = SimpleNamespace(amount_cents=100, customer="C", day=date(2026, 11, 26))
    ctx = dict({k: v for k, v in SAMPLES.items() if k != "minutes"}, is_admin=True, message="m", usage="u", role="manager", aliases=("a",), about="b",
               result=result, deals=[deal], is_today=False, currency="CNY", changed=[("dialed", 4, 5)],
               connect_rate=Decimal(40), activity=True, deal=deal, amount=Decimal(1), revenue=line, card=card,
               customer="C", month_revenue=Decimal(1), month_deals=1, team_revenue=Decimal(2), rows=[row],
               me=1, by_percent=True, own=row, total=3, row=row, title="t", reps=[("n", [("calls", 1)])],
               who="w", is_team=False, value=Decimal(1), previous=Decimal(2), start=date(2026, 12, 1),
               end=date(2026, 12, 2), people=[person], channels={"console": SimpleNamespace(channel_name="c",
               channel_id="c")}, teams=[(team, 2)], setting="tz", channel="c", platform="slack", account="U1")
    ctx["team"], ctx["day"] = team, date(2026, 11, 25)
    names = i18n.template_names(lang)
    assert len(names) >= 20
    for name in names:
        if name == "away_list":
            ctx_local = dict(ctx, rows=[SimpleNamespace(start=date(2026, 12, 1), end=date(2026, 12, 2))])
        elif name == "undone":
            ctx_local = dict(ctx, deals=2)
        elif name == "deal_progress":
            ctx_local = dict(ctx, deals=line)
        elif name in ("targets",):
            ctx_local = dict(ctx, rows=[("calls", Decimal(1), None)], team="T")
        elif name in ("team_show", "team_created"):
            ctx_local = ctx
        elif name in FEATURE_SAMPLES:
            ctx_local = dict(ctx, **FEATURE_SAMPLES[name])
        elif name in SCHEDULE_SAMPLES:
            ctx_local = dict(ctx, **SCHEDULE_SAMPLES[name]())
        elif name.startswith("team_") or name == "deal_announcement":
            ctx_local = dict(ctx, team="T", person="P")
        else:
            ctx_local = ctx
        text = i18n.render(lang, name, **ctx_local)
        assert text and not re.search(r"\{\{|\{%|%\}|\}\}", text), name


# Per-feature templates' own context, on top of the shared sample context above.
FEATURE_SAMPLES = {
    "plan_proposal": dict(total=Decimal(6), method="share", calendar="seasonal", profile="retail", depth="week",
                          no_history=True, calendar_rows=[("2027-Q1", Decimal(1))],
                          rows=[dict(name="T", value=Decimal(3), pct=Decimal(50), pinned=True,
                                     kids=[dict(name="A", value=Decimal(3), pct=Decimal(100))])]),
    "coach_hint": dict(by_manager=True, hints=[
        SimpleNamespace(name=n, step=s, value=Decimal("0.2"), median=Decimal("0.35"), ratio=Decimal("0.57"), topic="x")
        for n, s in (("A", "connect_rate"), ("B", "talk"), ("C", "deal_size"), ("D", "dials"), ("E", None))]),
    "audit": dict(since="7d", limit=1, tz="Asia/Shanghai", rows=[dict(at="2026-11-26 10:00", actor="cli",
                  action="target.set", subject="team #1 T", changes="1 → 2")]),
}


def test_person_text_is_escaped_in_markdown():
    out = i18n.render("en", "team_added", person="a_b*c", team="T", previous=None)
    assert r"a\_b\*c" in out


def test_formatters():
    assert fmt_money(Decimal("120000")) == "¥120,000"
    assert fmt_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert fmt_minutes(135, "en") == "2h15m" and fmt_minutes(135, "zh") == "2小时15分钟"
    assert fmt_minutes(45, "en") == "45m" and fmt_minutes(120, "zh") == "2小时"
    assert fmt_pct(Decimal("76.0")) == "76%" and fmt_pct(Decimal("84.25")) == "84.3%"
    assert progress_bar(Decimal(50)) == "▰▰▰▰▰▱▱▱▱▱" and progress_bar(Decimal(250)) == "▰" * 10

FEATURE_SAMPLES.update(FORMS_SAMPLES)  # review forms (issue 7)
