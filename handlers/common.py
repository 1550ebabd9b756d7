"""Small helpers the command handlers share."""

from __future__ import annotations

from datetime import date

from bot.core.errors import UserError
from bot.chat.messages import Button
from bot.core.parsing import ParseError, parse_date
from bot.chat.router import Ctx
from bot.services.audit import Actor


def split_trailing_date(ctx: Ctx, tokens: list[str]) -> tuple[list[str], date | None]:
    """Take a date off the end of the tokens if the last one reads as a date."""
    if tokens:
        try:
            return tokens[:-1], parse_date(tokens[-1], ctx.today)
        except ParseError:
            pass
    return tokens, None


def actor(ctx: Ctx) -> Actor:
    """The person speaking, as the audit trail names them ("console:Ada Admin")."""
    return Actor.of(ctx.person, ctx.incoming.platform)


def undo_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("button.undo"), "undo", "danger"), Button(ctx.t("button.me"), "me")]


def needs_args(ctx: Ctx) -> None:
    if not ctx.args.strip():
        raise UserError("missing_args")


def tokens(args: str) -> list[str]:
    """Split on spaces, keeping "quoted names" (straight or Chinese quotes) together."""
    import shlex

    text = args.replace("“", '"').replace("”", '"').replace("「", '"').replace("」", '"')
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()
