"""Bilingual text: jinja2 templates (`templates/<lang>/<name>.md.j2`) for whole messages and a
string catalogue (`templates/<lang>/*.yaml`) for labels and error messages."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bot.core.formatting import CURRENCY_SYMBOLS, fmt_metric, fmt_minutes, fmt_money, fmt_number, fmt_pct  # noqa: F401

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
LANGS = ("zh", "en")
_MD_SPECIALS = re.compile(r"([\\*_`\[\]])")


def escape_md(value) -> str:
    """Escape a person's own text (names, customers) so it cannot break the chat markdown."""
    return _MD_SPECIALS.sub(r"\\\1", str(value))


def unescape_md(text: str) -> str:
    return re.sub(r"\\([\\*_`\[\]])", r"\1", text)


def progress_bar(percent, width: int = 10) -> str:
    """`▰▰▰▰▱▱▱▱▱▱`; full at 100 % and beyond."""
    if percent is None:
        return ""
    filled = max(0, min(width, int(Decimal(percent) * width / 100)))
    return "▰" * filled + "▱" * (width - filled)


class I18n:
    """Renders message templates and catalogue strings in one of the supported languages."""

    def __init__(self, root: Path = TEMPLATES):
        self.root = root
        self.env = Environment(
            loader=FileSystemLoader(str(root)),
            undefined=StrictUndefined,
            autoescape=False,  # chat markdown is not HTML; person text goes through `md`
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            md=escape_md, num=fmt_number, money=fmt_money, pct=fmt_pct, bar=progress_bar,
            dec=lambda v: f"{Decimal(v).normalize():f}",
        )
        self._catalogues = {lang: self._load(lang) for lang in LANGS}

    def _load(self, lang: str) -> dict[str, str]:
        """Every `templates/<lang>/*.yaml` catalogue (one per feature), merged; a key defined twice is an error."""
        merged: dict[str, str] = {}
        for path in sorted((self.root / lang).glob("*.yaml")):
            with open(path, encoding="utf-8") as fh:
                for key, value in _flatten(yaml.safe_load(fh) or {}):
                    if key in merged:
                        raise ValueError(f"string {key!r} is defined twice ({path.name})")
                    merged[key] = value
        return merged

    def keys(self, lang: str) -> set[str]:
        return set(self._catalogues[lang])

    def t(self, lang: str, key: str, /, **params) -> str:
        """A catalogue string, its `{{ }}` filled from params."""
        lang = lang if lang in LANGS else LANGS[0]
        try:
            source = self._catalogues[lang][key]
        except KeyError:
            raise KeyError(f"no string {key!r} for language {lang!r}") from None
        if "{" not in source:
            return source
        return self._compile(source).render(**params, t=partial(self.t, lang), lang=lang)

    @lru_cache(maxsize=512)
    def _compile(self, source: str):
        return self.env.from_string(source)

    def render(self, lang: str, name: str, /, **ctx) -> str:
        """`templates/<lang>/<name>.md.j2` with the context; `t` and `lang` are always there."""
        lang = lang if lang in LANGS else LANGS[0]
        template = self.env.get_template(f"{lang}/{name}.md.j2")
        text = template.render(**ctx, t=partial(self.t, lang), lang=lang,
                               minutes=partial(fmt_minutes, lang=lang), fmt=partial(fmt_metric, lang=lang))
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def template_names(self, lang: str) -> list[str]:
        return sorted(p.name.removesuffix(".md.j2") for p in (self.root / lang).glob("*.md.j2"))


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        else:
            yield name, str(value)
