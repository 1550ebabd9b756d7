"""`企微群` (`wecomgroup`): where a team's announcements go on WeCom.

A self-built app hears only 1:1 messages, never group chats, so `team channel` cannot be sent from a
WeCom group. Instead a manager, in the app's chat, either has the app create the team's group chat
(`appchat/create`, with the team's members) or names a group robot's webhook URL or an app chat id."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.core.errors import UserError
from bot.chat.messages import Reply
from bot.store.tables.sales import Account, Person, Role
from bot.chat.router import Ctx, Router
from bot.services import org
from handlers.team import target_team

from adapters.wecom.client import PLATFORM

CREATE_WORDS = {"create", "new", "创建", "新建", "建群"}
CHAT_ID = re.compile(r"^[0-9A-Za-z]{1,32}$")


def register(router: Router, adapter) -> None:
    def wecom_group(ctx: Ctx) -> list[Reply]:
        words = ctx.args.split()
        if not words:
            return _show(ctx)
        ctx.require_role(Role.MANAGER)
        team = target_team(ctx, words[1:])
        first = words[0]
        if first.lower() in CREATE_WORDS:
            chat_id, label = _create_chat(ctx, adapter, team), team.name
        elif first.startswith(adapter.settings.webhook_prefix):
            chat_id, label = first, ctx.t("wecom.robot")
        elif first.startswith(("http://", "https://")):
            raise UserError("wecom_bad_webhook", text=adapter.settings.webhook_prefix)
        elif CHAT_ID.match(first):
            chat_id, label = first, first
        else:
            raise UserError("wecom_bad_target", text=first)
        org.set_team_channel(team, PLATFORM, chat_id, label, session=ctx.session)
        return [Reply(text=ctx.t("wecom.group_set", team=team.name, name=label), lang=ctx.lang)]

    router.command("wecomgroup", wecom_group, "企微群", "企业微信群", "wecom-group")



def _show(ctx: Ctx) -> list[Reply]:
    team = ctx.require_team()
    channel = org.team_channels(team.id, session=ctx.session).get(PLATFORM)
    key = "wecom.group_none" if channel is None else "wecom.group_is"
    return [Reply(text=ctx.t(key, team=team.name, name=channel.channel_name if channel else ""), lang=ctx.lang)]


def _create_chat(ctx: Ctx, adapter, team) -> str:
    """A group chat of the team's members who have WeCom accounts, owned by the manager asking."""
    rows = ctx.session.exec(
        select(Account.account_id).join(Person, Person.id == Account.person_id)
        .where(Person.team_id == team.id, Account.platform == PLATFORM).order_by(Account.account_id)
    ).all()
    owner = org.accounts_of(ctx.person.id, session=ctx.session).get(PLATFORM)
    members = sorted(set(rows) | ({owner} if owner else set()))
    if len(members) < 2:
        raise UserError("wecom_chat_too_small", team=team.name)
    try:
        result = adapter.client.appchat.create(name=team.name[:50], owner=owner, user_list=members)
    except Exception as exc:
        raise UserError("wecom_api", code=str(getattr(exc, "errcode", "") or type(exc).__name__)) from exc
    return result["chatid"]
