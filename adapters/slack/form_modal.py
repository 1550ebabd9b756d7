"""A review form as one Slack modal: a block per question (its type's element, prefilled with the
answers so far), the rep's numbers on top; submitted values are read back per question id."""

from __future__ import annotations

import json

from bot.chat.forms.whole import OpenForm
from bot.chat.i18n import I18n

FORM_CALLBACK = "pace_form"


def _text(value: str, limit: int) -> dict:
    return {"type": "plain_text", "text": value[:limit]}


def _option(label: str, value: str) -> dict:
    return {"text": _text(label, 75), "value": value}


def _element(q, lang: str, i18n: I18n, given: dict | None) -> dict:
    raw = (given or {}).get("raw")
    value = (given or {}).get("value")
    if q.type in ("number", "text"):
        element = {"type": "plain_text_input", "action_id": "value", "multiline": q.type == "text"}
        if q.type == "text" and q.max is not None:
            element["max_length"] = int(q.max)
        if raw:
            element["initial_value"] = raw
        return element
    if q.type == "rating":
        options = [_option(str(n), str(n)) for n in range(1, 6)]
        chosen = [str(value)] if value else []
    elif q.type == "yesno":
        options = [_option(i18n.t(lang, "form.modal.yes"), "yes"), _option(i18n.t(lang, "form.modal.no"), "no")]
        chosen = [value] if value else []
    else:
        options = [_option(o.label.get(lang), o.id) for o in q.options]
        chosen = ([value] if isinstance(value, str) else list(value)) if value else []
    if q.type == "multi":
        element = {"type": "multi_static_select", "action_id": "value", "options": options}
        initial = [o for o in options if o["value"] in chosen]
        if initial:
            element["initial_options"] = initial
        return element
    element = {"type": "radio_buttons" if len(options) <= 5 else "static_select", "action_id": "value",
               "options": options}
    initial = [o for o in options if o["value"] in chosen]
    if initial:
        element["initial_option"] = initial[0]
    return element


def form_modal(i18n: I18n, of: OpenForm) -> dict:
    lang, form = of.lang, of.form
    blocks = []
    numbers = [f"{i18n.t(lang, f'form.number.{f}')}: *{of.numbers[f]}*" for f in form.prefill if f in of.numbers]
    head = (form.intro.get(lang) + "\n" if form.intro else "") + "\n".join(numbers)
    if head.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": head[:3000]}})
    for q in form.questions:
        block = {"type": "input", "block_id": q.id, "optional": not q.required, "label": _text(q.title.get(lang), 2000),
                 "element": _element(q, lang, i18n, of.answers.get(q.id))}
        if q.help:
            block["hint"] = _text(q.help.get(lang), 2000)
        blocks.append(block)
    return {"type": "modal", "callback_id": FORM_CALLBACK,
            "title": _text(f"{form.title.get(lang)} {of.period}", 24),
            "submit": _text(i18n.t(lang, "form.modal.submit"), 24),
            "close": _text(i18n.t(lang, "form.modal.close"), 24),
            "private_metadata": json.dumps({"form": form.id, "period": of.period}), "blocks": blocks}


def modal_values(view: dict) -> dict[str, str | None]:
    """{question id: the answer as text}: typed text, the chosen option's value, or chosen values joined."""
    values: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            if element.get("selected_options") is not None:
                value = ",".join(o["value"] for o in element["selected_options"])
            elif element.get("selected_option") is not None:
                value = element["selected_option"]["value"]
            else:
                value = element.get("value")
            values[block_id] = value.strip() if isinstance(value, str) and value.strip() else None
    return values
