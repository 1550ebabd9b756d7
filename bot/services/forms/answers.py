"""Checking one answer against its question's type and limits. An answer is kept as given (`raw`) with
its checked value (`value`): a number as a string, option ids, 1–5, "yes"/"no"."""

from __future__ import annotations

import re
from decimal import Decimal

from bot.services.forms.definition import Question
from bot.core.parsing import ParseError, fold, parse_amount

YES = {"yes", "y", "yeah", "yep", "ok", "是", "是的", "对", "好", "有", "需要", "要", "1"}
NO = {"no", "n", "nope", "否", "不", "不是", "没有", "无", "不需要", "不要", "0"}
_SPLIT = re.compile(r"[,，、;；/\s]+")


class AnswerError(Exception):
    """An answer that does not fit its question: `code` names a `form.error.*` string."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def check_answer(question: Question, raw: str, lang: str) -> object:
    """The checked value of `raw`, or AnswerError saying what is wrong."""
    text = raw.strip()
    if not text:
        raise AnswerError("empty")
    kind = question.type
    if kind == "number":
        return _number(question, text)
    if kind == "text":
        lo, hi = int(question.min or 0), int(question.max or 4000)
        if len(text) < lo:
            raise AnswerError("text_short", count=lo)
        if len(text) > hi:
            raise AnswerError("text_long", count=hi)
        return text
    if kind == "rating":
        folded = fold(text).strip()
        if folded not in {"1", "2", "3", "4", "5"}:
            raise AnswerError("rating", text=raw)
        return int(folded)
    if kind == "yesno":
        word = fold(text).strip().lower().rstrip("。.!！")
        if word in YES:
            return "yes"
        if word in NO:
            return "no"
        raise AnswerError("yesno", text=raw)
    chosen = _choices(question, text, lang)
    if kind == "single":
        if len(chosen) != 1:
            raise AnswerError("single", count=len(question.options))
        return chosen[0]
    lo, hi = int(question.min or 1), int(question.max or len(question.options))
    if not lo <= len(chosen) <= hi:
        raise AnswerError("multi_count", text=f"{lo}–{hi}" if lo != hi else str(lo))
    return chosen


def _number(question: Question, text: str) -> str:
    folded = fold(text).strip()
    try:
        value = Decimal(folded.replace(",", ""))
    except Exception:
        try:  # money the way people write it: 12万, 120k, ¥120,000
            value = parse_amount(text)
        except ParseError:
            raise AnswerError("number", text=text) from None
    if not value.is_finite():
        raise AnswerError("number", text=text)
    if question.min is not None and value < question.min:
        raise AnswerError("number_min", text=_plain(question.min))
    if question.max is not None and value > question.max:
        raise AnswerError("number_max", text=_plain(question.max))
    return _plain(value)


def _choices(question: Question, text: str, lang: str) -> list[str]:
    """Option numbers ("1,3"), ids or labels in either language, in the options' order."""
    picked: set[str] = set()
    words = [w for w in _SPLIT.split(fold(text).strip()) if w] if not _is_label(question, text) else [text.strip()]
    for word in words:
        option = _option(question, word)
        if option is None:
            raise AnswerError("choice", text=word, count=len(question.options))
        picked.add(option)
    return [o.id for o in question.options if o.id in picked]


def _is_label(question: Question, text: str) -> bool:
    return _option(question, text.strip()) is not None and not text.strip().isdigit()


def _option(question: Question, word: str) -> str | None:
    w = word.strip().lower()
    if w.isdigit() and 1 <= int(w) <= len(question.options):
        return question.options[int(w) - 1].id
    for option in question.options:
        if w in (option.id, option.label.en.lower(), option.label.zh):
            return option.id
    return None


def show_value(question: Question, value, lang: str) -> str:
    """An answer as people read it, in `lang`."""
    if value is None:
        return "—"
    if question.type in ("single", "multi"):
        ids = [value] if isinstance(value, str) else list(value)
        labels = {o.id: o.label.get(lang) for o in question.options}
        return ("、" if lang == "zh" else ", ").join(labels.get(i, i) for i in ids)
    if question.type == "yesno":
        return {"yes": "是", "no": "否"}.get(value, value) if lang == "zh" else value
    if question.type == "rating":
        return f"{value}/5"
    return str(value)
