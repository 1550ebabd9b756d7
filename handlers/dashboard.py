"""`dashboard` (看板): a one-time sign-in link to the web dashboard; `board` (大屏): the TV board link."""

from __future__ import annotations

from urllib.parse import quote

from bot.chat.messages import Reply, Target
from bot.core.metrics import ALIASES
from bot.store.tables.sales import Metric, Role
from bot.chat.router import Ctx, Router
from bot.services import weblinks as auth
from bot.core.websettings import WebSettings

REVOKE_WORDS = {"off", "revoke", "stop", "撤销", "关闭", "作废"}


def _private(ctx: Ctx, text: str) -> list[Reply]:
    """Links are personal secrets: said in a group, they go to the person privately."""
    if ctx.incoming.is_direct:
        return [Reply(text=text, lang=ctx.lang)]
    return [Reply(text=text, target=Target.person(ctx.person.id), lang=ctx.lang),
            Reply(text=ctx.t("web.chat.sent_privately"), lang=ctx.lang)]


def dashboard_command(ctx: Ctx) -> list[Reply]:
    web = WebSettings()
    key = auth.signing_key(web.secret, now=ctx.now, db=ctx.app.db)
    token = auth.new_login_link(ctx.person.id, key=key, minutes=web.login_minutes, now=ctx.now, session=ctx.session)
    url = f"{web.base}/team/login?t={quote(token)}&lang={ctx.lang}"
    return _private(ctx, f"{ctx.t('web.chat.login_link', count=web.login_minutes)}\n{url}")


def board_command(ctx: Ctx) -> list[Reply]:
    ctx.require_role(Role.MANAGER)
    team = ctx.require_team()
    words = ctx.args.lower().split()
    if words and words[0] in REVOKE_WORDS:
        count = auth.revoke_board_links(team.id, now=ctx.now, session=ctx.session)
        return [Reply(text=ctx.t("web.chat.board_revoked", count=count, team=team.name), lang=ctx.lang)]
    metric = next((ALIASES[w] for w in words if w in ALIASES), Metric.REVENUE)
    token = auth.new_board_link(team.id, metric, by=ctx.person.id, now=ctx.now, session=ctx.session)
    url = f"{WebSettings().base}/board/{token}"
    text = ctx.t("web.chat.board_link", team=team.name, metric=ctx.t(f"metric.{metric.value}"))
    return _private(ctx, f"{text}\n{url}")


def register(router: Router) -> None:
    router.command("dashboard", dashboard_command, "看板")
    router.command("board", board_command, "大屏")
