"""`help` and `lang`."""

from __future__ import annotations

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.chat.router import Ctx, Router

LANG_WORDS = {"zh": "zh", "zh-cn": "zh", "cn": "zh", "中文": "zh", "汉语": "zh", "chinese": "zh",
              "en": "en", "english": "en", "英文": "en", "英语": "en"}


def help_command(ctx: Ctx) -> list[Reply]:
    topic = ctx.args.strip().lower()
    if topic:
        cmd, _, _ = ctx.app.router.match(topic)
        if cmd is None:
            raise UserError("unknown_command", text=topic)
        return [ctx.reply("help_command", name=cmd.name, aliases=cmd.aliases,
                          usage=ctx.t(f"usage.{cmd.name}"), about=ctx.t(f"about.{cmd.name}"))]
    return [ctx.reply("help", role="manager" if ctx.is_admin else ctx.person.role.value, is_admin=ctx.is_admin)]


def lang_command(ctx: Ctx) -> list[Reply]:
    lang = LANG_WORDS.get(ctx.args.strip().lower())
    if lang is None:
        raise UserError("bad_lang", text=ctx.args.strip())
    ctx.person.lang = lang
    ctx.session.add(ctx.person)
    return [Reply(text=ctx.t("lang.set"), lang=lang)]


def register(router: Router) -> None:
    router.command("help", help_command, "帮助", "h", "?", "？", "commands", "命令")
    router.command("lang", lang_command, "语言", "language")
