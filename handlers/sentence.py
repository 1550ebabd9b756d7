"""The fallback: an ordinary sentence ("打了80个电话，接通32…") read by the rule-based parser."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.core.parsing import ParseError
from bot.core.sentence import parse_sentence
from bot.chat.router import Ctx, Router
from handlers.activity import apply


def sentence(ctx: Ctx) -> list[Reply]:
    text = ctx.args.strip()
    try:
        parsed = parse_sentence(text, ctx.today)
    except ParseError as exc:
        if exc.code == "nothing_understood":
            # Neither a command nor a report: say so, and show how to ask for help.
            raise UserError("unknown_command", text=text.split()[0] if text.split() else text) from None
        raise
    return apply(ctx, parsed, source_text=text)


def register(router: Router) -> None:
    router.set_fallback(sentence)
