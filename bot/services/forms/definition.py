"""Form definitions: `templates/forms/<id>.yaml`, read into pydantic models so that a broken file is
reported precisely (file, question id, field, why)."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

log = logging.getLogger(__name__)

FORMS_DIR = Path(__file__).resolve().parents[3] / "templates" / "forms"
QUESTION_TYPES = ("number", "text", "single", "multi", "rating", "yesno")
PREFILL_FIELDS = ("calls", "connected", "connect_rate", "talk", "deals", "revenue", "revenue_target",
                  "revenue_percent", "deals_list")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]"
OPENS_RE = re.compile(rf"^(?P<day>{'|'.join(WEEKDAYS)}|last_workday) (?P<time>{_TIME})$")
REMINDER_RE = re.compile(rf"^(?:next_workday (?P<time>{_TIME})|before_deadline (?P<minutes>[0-9]{{1,4}})m)$")


class FormError(Exception):
    """A form file that cannot be used; `problems` are (where, why) pairs."""

    def __init__(self, path: str, problems: list[tuple[str, str]]):
        self.path, self.problems = path, problems
        super().__init__("\n".join(f"{path}: {where}: {why}" for where, why in problems))


class Text2(BaseModel):
    """A text in both languages."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    label: Text2


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    type: Literal["number", "text", "single", "multi", "rating", "yesno"]
    title: Text2
    help: Text2 | None = None
    required: bool = True
    min: Decimal | None = None  # number: smallest value; text: fewest characters; multi: fewest choices
    max: Decimal | None = None
    options: list[Option] = []
    show: list[str] = []  # prefilled numbers shown with this question

    @field_validator("show")
    @classmethod
    def _known_fields(cls, value: list[str]) -> list[str]:
        for name in value:
            if name not in PREFILL_FIELDS:
                raise ValueError(f"unknown number {name!r}; use one of {', '.join(PREFILL_FIELDS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.type in ("single", "multi"):
            if len(self.options) < 2:
                raise ValueError(f"a {self.type} question needs at least 2 options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError("option ids must be unique")
        elif self.options:
            raise ValueError(f"a {self.type} question takes no options")
        if self.type in ("rating", "yesno") and (self.min is not None or self.max is not None):
            raise ValueError(f"a {self.type} question has fixed limits; remove min/max")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        bounds = [v for v in (self.min, self.max) if v is not None]
        if self.type in ("text", "multi") and any(v < 0 or v != int(v) for v in bounds):
            raise ValueError("min/max of a text or multi question must be whole numbers ≥ 0")
        return self


class Schedule(BaseModel):
    """When a period's form goes out (team's time zone and calendar), its deadline and reminders."""

    model_config = ConfigDict(extra="forbid")
    period: Literal["week", "month"]
    opens: str  # "friday 17:00" or "last_workday 17:00"
    deadline_workdays: int = Field(1, ge=0, le=10)  # working days after the opening day
    deadline_time: str = Field("12:00", pattern=f"^{_TIME}$")
    reminders: list[str] = []  # "next_workday 09:00", "before_deadline 60m"

    @field_validator("opens")
    @classmethod
    def _opens(cls, value: str) -> str:
        if not OPENS_RE.match(value):
            raise ValueError(f"{value!r} is not like 'friday 17:00' or 'last_workday 17:00'")
        return value

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, value: list[str]) -> list[str]:
        for item in value:
            if not REMINDER_RE.match(item):
                raise ValueError(f"{item!r} is not like 'next_workday 09:00' or 'before_deadline 60m'")
        return value


class FormDef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    title: Text2
    intro: Text2 | None = None
    schedule: Schedule
    prefill: list[str] = []  # numbers shown at the top of every question and with the answers

    questions: list[Question] = Field(min_length=1)

    @field_validator("prefill")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return Question._known_fields(value)

    @model_validator(mode="after")
    def _unique(self) -> FormDef:
        ids = [q.id for q in self.questions]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"question ids must be unique; repeated: {', '.join(dup)}")
        return self

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)


def _where(loc: tuple, data: dict) -> str:
    """A pydantic location as a person reads it: `question 'plan' → options`."""
    parts = [str(step) for step in loc]
    if len(loc) >= 2 and loc[0] == "questions" and isinstance(loc[1], int):
        questions = data.get("questions")
        q = questions[loc[1]] if isinstance(questions, list) and loc[1] < len(questions) else None
        qid = q.get("id") if isinstance(q, dict) else None
        parts[:2] = [f"question {qid!r}" if qid else f"question #{loc[1] + 1}"]
    return " → ".join(parts) or "(file)"


def parse_form(text: str, path: str) -> FormDef:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise FormError(path, [(where, f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from None
    if not isinstance(data, dict):
        raise FormError(path, [("(file)", "expected a mapping with id, title, schedule and questions")])
    try:
        form = FormDef.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field (a typo?)"
            elif err["type"] == "missing":
                msg = "required field missing"
            problems.append((_where(err["loc"], data), msg))
        raise FormError(path, problems) from None
    stem = Path(path).stem
    if stem != form.id and Path(path).parent == FORMS_DIR:
        raise FormError(path, [("id", f"{form.id!r} must match the file name {stem!r}")])
    return form


def load_file(path: Path) -> FormDef:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise FormError(str(path), [("(file)", f"cannot read: {exc.strerror}")]) from None
    return parse_form(text, str(path))


@lru_cache(maxsize=None)
def _all(folder: str) -> dict[str, FormDef]:
    """Every valid form in the folder; a broken file is logged and left out, not fatal to the others."""
    forms = {}
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            forms[path.stem] = load_file(path)
        except FormError as exc:
            log.error("form file left out (check it with `pacebot forms check`):\n%s", exc)
    return forms


def all_forms(folder: Path = FORMS_DIR) -> dict[str, FormDef]:
    return _all(str(folder))


def get_form(form_id: str, folder: Path = FORMS_DIR) -> FormDef | None:
    return all_forms(folder).get(form_id)
