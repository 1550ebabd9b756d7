"""A review form as one Slack modal: a block per question (its type's element, prefilled with the
answers so far), the rep's numbers on top; submitted values are read back per question id.

Slack refuses a modal over its limits, so `modal_problems` says which form files would break one, for
`pacebot forms check`: 100 blocks in a view, 100 options in a select, 75 characters in an option's
text, 2,000 in an input's label or hint, 3,000 in a section's text and in a text input's max_length
(Block Kit reference; the modal sets no placeholder, whose limit would be 150)."""

from __future__ import annotations

import json

from bot.chat.forms.whole import OpenForm
from bot.chat.i18n import I18n

FORM_CALLBACK = "pace_form"
MAX_VIEW_BLOCKS = 100
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_LABEL = 2000  # an input block's label, and its hint
MAX_SECTION = 3000
MAX_INPUT_LENGTH = 3000  # plain_text_input's max_length
LANGS = ("en", "zh")


def _text(value: str, limit: int) -> dict:
    return {"type": "plain_text", "text": value[:limit]}


def _option(label: str, value: str) -> dict:
    return {"text": _text(label, MAX_OPTION_TEXT), "value": value}


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
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": head[:MAX_SECTION]}})
    for q in form.questions:
        block = {"type": "input", "block_id": q.id, "optional": not q.required, "label": _text(q.title.get(lang), MAX_LABEL),
                 "element": _element(q, lang, i18n, of.answers.get(q.id))}
        if q.help:
            block["hint"] = _text(q.help.get(lang), MAX_LABEL)
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


def _why(en: str, zh: str) -> str:
    return f"{en} ({zh})"


def modal_problems(form) -> list[tuple[str, str]]:
    """(where, why) for each part of a form definition that a Slack modal cannot hold, in both
    languages' texts; empty when the form fits. `where` reads like `forms check`'s other errors."""
    problems: list[tuple[str, str]] = []
    blocks = (1 if form.intro or form.prefill else 0) + len(form.questions)
    if blocks > MAX_VIEW_BLOCKS:
        problems.append(("questions", _why(
            f"a Slack modal holds at most {MAX_VIEW_BLOCKS} blocks; this form needs {blocks}",
            f"Slack 弹窗最多 {MAX_VIEW_BLOCKS} 个区块，这张表需要 {blocks} 个")))
    for lang in LANGS:
        if form.intro and len(form.intro.get(lang)) > MAX_SECTION:
            problems.append((f"intro → {lang}", _why(
                f"a Slack modal shows at most {MAX_SECTION} characters here; this has {len(form.intro.get(lang))}",
                f"Slack 弹窗这里最多显示 {MAX_SECTION} 个字，这里有 {len(form.intro.get(lang))} 个")))
    for q in form.questions:
        at = f"question {q.id!r}"
        if len(q.options) > MAX_OPTIONS:
            problems.append((f"{at} → options", _why(
                f"a Slack select takes at most {MAX_OPTIONS} options; this has {len(q.options)}",
                f"Slack 下拉框最多 {MAX_OPTIONS} 个选项，这里有 {len(q.options)} 个")))
        if q.type == "text" and q.max is not None and q.max > MAX_INPUT_LENGTH:
            problems.append((f"{at} → max", _why(
                f"a Slack text input takes at most {MAX_INPUT_LENGTH} characters; max is {q.max}",
                f"Slack 输入框最多 {MAX_INPUT_LENGTH} 个字，max 是 {q.max}")))
        for lang in LANGS:
            for name, text in (("title", q.title), ("help", q.help)):
                if text is not None and len(text.get(lang)) > MAX_LABEL:
                    problems.append((f"{at} → {name} → {lang}", _why(
                        f"a Slack modal shows at most {MAX_LABEL} characters here; this has {len(text.get(lang))}",
                        f"Slack 弹窗这里最多显示 {MAX_LABEL} 个字，这里有 {len(text.get(lang))} 个")))
            for option in q.options:
                label = option.label.get(lang)
                if len(label) > MAX_OPTION_TEXT:
                    problems.append((f"{at} → options → {option.id!r} → label → {lang}", _why(
                        f"a Slack option shows at most {MAX_OPTION_TEXT} characters; this has {len(label)}",
                        f"Slack 选项最多显示 {MAX_OPTION_TEXT} 个字，这里有 {len(label)} 个")))
    return problems
