"""`audit` / `审计`: admins read who changed what and when (`audit 7d`, `审计 7天`, `audit 2026-11-01`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.chat.messages import Reply
from bot.chat.router import Ctx, Router
from bot.services import audit

CHAT_WIDTH = 160  # a company plan's units would fill the screen; `pacebot audit` shows them whole


def audit_command(ctx: Ctx) -> list[Reply]:
    ctx.require_admin()
    text = ctx.args.strip()
    since = audit.parse_since(text, ctx.now, ctx.tz) if text else None
    zone, known = ZoneInfo(ctx.tz), ctx.app.i18n.keys(ctx.lang)
    rows = [{"at": f"{e.at.astimezone(zone):%Y-%m-%d %H:%M}", "actor": e.actor,
             "action": ctx.t(f"audit.action.{e.action}") if f"audit.action.{e.action}" in known else e.action,
             "subject": e.subject, "changes": audit.changes(e, CHAT_WIDTH)}
            for e in audit.entries(ctx.session, since=since, limit=audit.DEFAULT_LIMIT)]
    return [ctx.reply("audit", rows=rows, since=text, limit=audit.DEFAULT_LIMIT, tz=ctx.tz)]


def register(router: Router) -> None:
    router.command("audit", audit_command, "审计", "审计日志", "audit-log")
