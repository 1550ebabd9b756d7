"""The "Log today" modal, its field-by-field validation, and the App Home view (pure but for i18n)."""

from __future__ import annotations

import re
from datetime import date

from bot.chat.i18n import I18n
from bot.chat.messages import Button, Reply
from bot.core.parsing import ParseError, parse_amount, parse_count, parse_duration

from .render import blocks_for, button_elements, to_plain

LOG_CALLBACK = "pace_log"
MAX_VIEW_BLOCKS = 100
MAX_ERROR = 150


def _input(i18n: I18n, lang: str, block_id: str, *, hint: bool = False, element: dict | None = None) -> dict:
    block = {"type": "input", "block_id": block_id, "optional": True,
             "label": {"type": "plain_text", "text": i18n.t(lang, f"slack.modal.{block_id}")},
             "element": element or {"type": "plain_text_input", "action_id": "value",
                                    "placeholder": {"type": "plain_text",
                                                    "text": i18n.t(lang, f"slack.modal.{block_id}_example")}}}
    if hint:
        block["hint"] = {"type": "plain_text", "text": i18n.t(lang, f"slack.modal.{block_id}_hint")}
    return block


def log_modal(i18n: I18n, lang: str) -> dict:
    """views.open payload: calls dialed, connected, talk time, a deal and its customer, and the day."""
    t = lambda key: {"type": "plain_text", "text": i18n.t(lang, f"slack.modal.{key}")}  # noqa: E731
    return {
        "type": "modal", "callback_id": LOG_CALLBACK,
        "title": t("title"), "submit": t("submit"), "close": t("close"),
        "blocks": [
            _input(i18n, lang, "dialed"),
            _input(i18n, lang, "connected"),
            _input(i18n, lang, "talk", hint=True),
            _input(i18n, lang, "amount", hint=True),
            _input(i18n, lang, "customer"),
            _input(i18n, lang, "day", hint=True,
                   element={"type": "datepicker", "action_id": "value",
                            "placeholder": {"type": "plain_text", "text": i18n.t(lang, "slack.modal.day_example")}}),
        ],
    }


def check_log(values: dict[str, str | None], i18n: I18n, lang: str, *, today: date,
              window_days: int) -> tuple[list[str], dict[str, str]]:
    """The commands a submitted modal stands for (`log …`, `won …`), or the errors by field (block id).

    Each field is read with the same parsers as typed commands, so they accept the same forms."""
    errors: dict[str, str] = {}
    parsed: dict[str, object] = {}
    readers = {"dialed": parse_count, "connected": parse_count,
               "talk": lambda text: parse_duration(text, bare="minutes"), "amount": parse_amount}
    for field, read in readers.items():
        if values.get(field):
            try:
                parsed[field] = read(values[field])
            except ParseError as exc:
                errors[field] = _message(i18n, lang, exc.code, exc.params)
    day = date.fromisoformat(values["day"]) if values.get("day") else None
    if day and day > today:
        errors["day"] = _message(i18n, lang, "future_day", {"day": day.isoformat()})
    elif day and (today - day).days > window_days:
        errors["day"] = _message(i18n, lang, "too_old", {"day": day.isoformat(), "days": window_days})
    if errors:
        return [], errors
    if "dialed" not in parsed and ("connected" in parsed or "talk" in parsed):
        errors["dialed"] = i18n.t(lang, "slack.modal.need_dialed")
    elif "talk" in parsed and "connected" not in parsed:
        errors["connected"] = i18n.t(lang, "slack.modal.need_connected")
    if values.get("customer") and "amount" not in parsed:
        errors["amount"] = _message(i18n, lang, "deal_without_amount", {"text": values["customer"]})
    if not parsed and not errors:
        errors["dialed"] = _message(i18n, lang, "log_nothing", {})
    if errors:
        return [], errors
    suffix = f" {day.isoformat()}" if day and day != today else ""
    commands = []
    if "dialed" in parsed:
        numbers = [parsed[f] for f in ("dialed", "connected", "talk") if f in parsed]
        commands.append("log " + " ".join(str(n) for n in numbers) + suffix)
    if "amount" in parsed:
        customer = " ".join((values.get("customer") or "").split())
        commands.append(f"won {parsed['amount']:f}" + (f" {customer}" if customer else "") + suffix)
    return commands, errors


def _message(i18n: I18n, lang: str, code: str, params: dict) -> str:
    """A catalogue error as plain text short enough for a field (Slack shows at most 150 characters)."""
    text = to_plain(i18n.t(lang, f"error.{code}", **params)).replace("`", "")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 1] + "…"


def home_view(replies: list[Reply], i18n: I18n, lang: str) -> dict:
    """The Home tab: a "Log today" button, then the replies (the month's scorecard) as blocks."""
    top = [Button(i18n.t(lang, "button.log"), "log", "primary"), Button(i18n.t(lang, "button.top"), "top")]
    blocks: list[dict] = [{"type": "actions", "block_id": "home_top",
                           "elements": button_elements(top, prefix="pace_cmd_home")},
                          {"type": "context", "elements": [{"type": "mrkdwn", "text": i18n.t(lang, "slack.home.opened")}]}]
    for reply in replies:
        room = MAX_VIEW_BLOCKS - len(blocks) - 1
        if room < 2:
            break
        blocks.append({"type": "divider"})
        blocks.extend(blocks_for(reply, max_blocks=room))
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


